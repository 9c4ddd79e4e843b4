// The administrator's data-subject screen: every personal field each service holds about
// someone (to hand to them as JSON), and their erasure, confirmed first.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useConsole } from "../api/context";
import { saveDownload } from "../api/files";
import { requestJson, type Service } from "../api/raw";
import { Field } from "../components/Field";
import { ProblemNote } from "../components/ProblemNote";
import { useCommand } from "../components/hooks";

const SERVICES: Service[] = ["calls", "applications", "payments", "reporting"];
// Reporting keeps no keys of its own: it erases when the others tell it.
const KEEPERS: Service[] = ["calls", "applications", "payments"];

interface Held { subject: string; service: string; events: { id: string; type: string; fields: Record<string, unknown> }[] }
interface Erased { service: string; outcome: "erased" | "nothing_to_erase"; keys_destroyed: number; detail: string }

export function AdminHome() {
  const { t } = useTranslation();
  const { session } = useConsole();
  const token = session?.token ?? null;
  const [subject, setSubject] = useState("");
  const [looked, setLooked] = useState<string | null>(null);
  const [held, setHeld] = useState<Held[]>([]);
  const [erased, setErased] = useState<Erased[]>([]);
  const [sure, setSure] = useState(false);
  const lookup = useCommand();
  const erase = useCommand();
  const download = useCommand();
  const path = (s: string) => `/v1/data-subjects/${encodeURIComponent(s)}`;

  async function look(event: FormEvent) {
    event.preventDefault();
    const who = subject.trim();
    setErased([]);
    setSure(false);
    const found = await lookup.run(() => Promise.all(SERVICES.map((service) => requestJson<Held>(token, service, path(who)))));
    if (found) { setHeld(found); setLooked(who); }
  }
  async function eraseSubject() {
    if (!looked) return;
    const done = await erase.run(() => Promise.all(KEEPERS.map((service) =>
      requestJson<Erased>(token, service, `${path(looked)}/erasure`, { method: "POST" }))));
    if (done) { setErased(done); setSure(false); }
  }

  return (
    <>
      <h1>{t("admin.title")}</h1>
      <form onSubmit={(e) => void look(e)}>
        <Field label={t("admin.subject")} value={subject} onChange={(e) => setSubject(e.target.value)} required />
        <button type="submit" disabled={lookup.busy}>{t("admin.lookUp")}</button>
      </form>
      <ProblemNote problem={lookup.problem} />
      {looked && <section aria-labelledby="held">
        <h2 id="held">{t("admin.heldAbout", { subject: looked })}</h2>
        <table><thead><tr><th>{t("admin.service")}</th><th>{t("admin.events")}</th><th>{t("admin.fields")}</th><th>{t("grant.actions")}</th></tr></thead>
          <tbody>{held.map((h) => (
            <tr key={h.service}><td>{t(`service.${h.service}`, { defaultValue: h.service })}</td><td>{h.events.length}</td>
              <td>{[...new Set(h.events.flatMap((e) => Object.keys(e.fields)))].join(", ") || "–"}</td>
              <td><button type="button" className="secondary" disabled={download.busy}
                onClick={() => void download.run(() => saveDownload(`/api/${h.service}${path(looked)}`, token, `${h.service}-personal-data.json`))}>
                {t("admin.download", { service: t(`service.${h.service}`, { defaultValue: h.service }) })}</button></td></tr>))}
          </tbody></table>
        <ProblemNote problem={download.problem} />
        <h2>{t("admin.erase")}</h2>
        <p>{t("admin.eraseWarning")}</p>
        <label className="check"><input type="checkbox" checked={sure} onChange={(e) => setSure(e.target.checked)} />
          {t("admin.confirm", { subject: looked })}</label>
        <button type="button" disabled={!sure || erase.busy} onClick={() => void eraseSubject()}>{t("admin.eraseAction", { subject: looked })}</button>
        <ProblemNote problem={erase.problem} />
        {erased.length > 0 && <ul role="status">{erased.map((e) => (
          <li key={e.service} className="ok">{t(`service.${e.service}`, { defaultValue: e.service })}: {t(`admin.outcome.${e.outcome}`)} ({e.detail})</li>))}</ul>}
      </section>}
    </>
  );
}
