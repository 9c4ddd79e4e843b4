// Declarations on honour the call requires, as checkboxes (the SME status with its figures),
// each recorded with who declared and when before the application is submitted.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { unwrap } from "../api/client";
import { commandHeaders } from "../api/commands";
import { useConsole } from "../api/context";
import { parseMoney } from "../format";
import { Field } from "./Field";
import { ProblemNote } from "./ProblemNote";
import { useCommand } from "./hooks";
import { useFormat } from "./useFormat";

export interface Made { code: string; declared_by: string; declared_at: string; sme_category?: string | null }
type Code = import("../api/generated/applications").components["schemas"]["Declare"]["code"];
interface Figures { headcount: number; annual_turnover_cents: number | null; balance_sheet_total_cents: number | null }

export function Declarations({ applicationId, required, made, version, canDeclare, onDone }: {
  applicationId: string; required: string[]; made: Made[]; version: number; canDeclare: boolean; onDone: () => void;
}) {
  const { t } = useTranslation();
  const { api } = useConsole();
  const f = useFormat();
  const command = useCommand();
  const [ticked, setTicked] = useState<string[]>([]);
  const [sme, setSme] = useState({ headcount: "", turnover: "", balance: "" });
  const pending = required.filter((code) => !made.some((m) => m.code === code));

  /** One declaration after the other, each with the version the previous answer gave. */
  async function declare(event: FormEvent) {
    event.preventDefault();
    const done = await command.run(async () => {
      let current = version;
      for (const code of ticked.filter((c) => pending.includes(c))) {
        const figures: Figures | undefined = code === "sme_status" ? {
          headcount: sme.headcount.trim() === "" ? -1 : Number(sme.headcount),
          annual_turnover_cents: sme.turnover ? parseMoney(sme.turnover, f.locale) ?? -1 : null,
          balance_sheet_total_cents: sme.balance ? parseMoney(sme.balance, f.locale) ?? -1 : null,
        } : undefined;
        const answer = await unwrap(api.applications.POST("/v1/applications/{application_id}/declarations", {
          params: { path: { application_id: applicationId } }, headers: commandHeaders(current),
          body: { code: code as Code, accepted: true, figures: figures ?? null } }));
        current = answer.version;
      }
      return true;
    });
    if (done) { setTicked([]); onDone(); }
  }

  return (
    <form onSubmit={(e) => void declare(e)} aria-labelledby="declarations">
      <h2 id="declarations">{t("declaration.title")}</h2>
      {made.length > 0 && <ul>{made.map((m) => (
        <li key={m.code} className="ok">{t(`declaration.${m.code}`, { defaultValue: m.code })} – {t("declaration.madeBy", { who: m.declared_by, when: f.instant(m.declared_at) })}
          {m.sme_category ? ` (${t(`size.${m.sme_category}`, { defaultValue: m.sme_category })})` : ""}</li>))}</ul>}
      {canDeclare && pending.length > 0 && <>
        <ProblemNote problem={command.problem} />
        {pending.map((code) => (
          <label key={code} className="check">
            <input type="checkbox" checked={ticked.includes(code)}
              onChange={(e) => setTicked(e.target.checked ? [...ticked, code] : ticked.filter((c) => c !== code))} />
            {t(`declaration.${code}Text`, { defaultValue: t(`declaration.${code}`, { defaultValue: code }) })}
          </label>))}
        {pending.includes("sme_status") && ticked.includes("sme_status") && (
          <fieldset><legend>{t("declaration.smeFigures")}</legend>
            <Field label={t("declaration.headcount")} type="number" min={0} value={sme.headcount} field="headcount" problem={command.problem}
              onChange={(e) => setSme({ ...sme, headcount: e.target.value })} required />
            <Field label={t("declaration.turnover")} inputMode="decimal" value={sme.turnover} field="annual_turnover_cents" problem={command.problem}
              onChange={(e) => setSme({ ...sme, turnover: e.target.value })} />
            <Field label={t("declaration.balance")} inputMode="decimal" value={sme.balance} field="balance_sheet_total_cents" problem={command.problem}
              onChange={(e) => setSme({ ...sme, balance: e.target.value })} />
          </fieldset>)}
        <button type="submit" disabled={command.busy || ticked.length === 0}>{t("declaration.declare")}</button>
      </>}
    </form>
  );
}
