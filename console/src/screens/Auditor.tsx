// The auditor's tools: one grant's story as a timeline, the integrity check, reports as of an instant.
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { unwrap } from "../api/client";
import { saveDownload } from "../api/files";
import { useConsole } from "../api/context";
import { Field } from "../components/Field";
import { Paged } from "../components/Paged";
import { ProblemNote } from "../components/ProblemNote";
import { useCommand, useResource } from "../components/hooks";
import { useFormat } from "../components/useFormat";

/** The reporting service's key answer (an open object in its OpenAPI document). */
interface PublicKey { public_key: string; public_key_base64?: string; key_id?: string; keys?: unknown[] }

interface Envelope { id: string; type: string; stream_id: string; version: number; occurred_at: string; payload: Record<string, unknown>; actor?: { sub: string } }

export function AuditorHome() {
  const { t } = useTranslation();
  const { api, session } = useConsole();
  const navigate = useNavigate();
  const dossier = useCommand();
  const key = useResource(() => unwrap(api.reporting.GET("/v1/audit/public-key")) as Promise<unknown> as Promise<PublicKey>, []);
  const download = (p: { id: string; code?: string }) => dossier.run(() => saveDownload(
    `/api/reporting/v1/audit/dossiers/programmes/${p.id}`, session?.token ?? null, `dossier-${p.code ?? p.id}.zip`));
  const [applicationId, setApplicationId] = useState("");
  const verify = useCommand();
  const [verdict, setVerdict] = useState<Record<string, unknown> | null>(null);
  const open = (e: FormEvent) => { e.preventDefault(); navigate(`/auditor/trail/${applicationId.trim()}`); };
  const check = async () => setVerdict(await verify.run(() => unwrap(api.reporting.GET("/v1/audit/verify")) as Promise<Record<string, unknown>>));
  return (
    <>
      <h1>{t("auditor.title")}</h1>
      <form onSubmit={open}>
        <Field label={t("auditor.applicationId")} value={applicationId} onChange={(e) => setApplicationId(e.target.value)} required />
        <button type="submit">{t("auditor.openTrail")}</button>
      </form>
      <h2>{t("auditor.verify")}</h2>
      <button type="button" onClick={() => void check()} disabled={verify.busy}>{t("auditor.runVerify")}</button>
      <ProblemNote problem={verify.problem} />
      {verdict && <VerifyResult verdict={verdict} />}
      <h2>{t("auditor.programmes")}</h2>
      <Paged label={t("auditor.programmes")} empty={t("manager.noProgrammes")}
        load={(cursor) => unwrap(api.calls.GET("/v1/programmes", { params: { query: { cursor } } }))}
        render={(items) => <ul>{(items as { id: string; name: string; code?: string }[]).map((p) => <li key={p.id}>
          <Link to={`/reports/programmes/${p.id}`}>{t("auditor.reportOf", { name: p.name })}</Link>{" "}
          <button type="button" className="secondary" disabled={dossier.busy} onClick={() => void download(p)}>
            {t("auditor.downloadDossier", { name: p.name })}</button></li>)}</ul>} />
      <ProblemNote problem={dossier.problem} />
      <section aria-labelledby="public-key">
        <h2 id="public-key">{t("auditor.publicKey")}</h2>
        <p>{t("auditor.publicKeyHelp")}</p>
        <ProblemNote problem={key.problem} />
        {key.data && <>
          <pre data-testid="public-key" tabIndex={0} aria-label={t("auditor.publicKey")}>{key.data.public_key}</pre>
          {key.data.key_id && <p>{t("auditor.keyId")}: <code>{key.data.key_id}</code></p>}
          {(key.data.keys?.length ?? 0) > 1 && <p>{t("auditor.olderKeys", { count: (key.data.keys?.length ?? 1) - 1 })}</p>}
        </>}
      </section>
      <h2>{t("auditor.applications")}</h2>
      <Paged label={t("auditor.applications")} empty={t("applicant.noApplications")}
        load={(cursor) => unwrap(api.applications.GET("/v1/applications", { params: { query: { cursor, status: ["contracted"] } } }))}
        render={(apps) => <ul>{apps.map((a) => <li key={a.id}><Link to={`/auditor/trail/${a.id}`}>{t("auditor.storyOf", { title: a.title })}</Link></li>)}</ul>} />
    </>
  );
}

function VerifyResult({ verdict }: { verdict: Record<string, unknown> }) {
  const { t } = useTranslation();
  const findings = (verdict.findings ?? verdict.broken ?? verdict.problems ?? []) as unknown[];
  const ok = verdict.ok === true || verdict.intact === true || findings.length === 0;
  return (
    <div role="status">
      <p className={ok ? "ok" : "problem"} data-testid="verify-verdict">{ok ? t("auditor.intact") : t("auditor.broken", { count: findings.length })}</p>
      {findings.length > 0 && <ul>{findings.map((x, i) => <li key={i}>{JSON.stringify(x)}</li>)}</ul>}
      <details><summary>{t("auditor.details")}</summary><pre>{JSON.stringify(verdict, null, 1)}</pre></details>
    </div>
  );
}

const SERVICE_OF: Record<string, string> = { calls: "calls", applications: "applications", payments: "payments" };

export function TrailPage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const { api } = useConsole();
  const f = useFormat();
  const trail = useResource(() => unwrap(api.reporting.GET("/v1/audit/trail/applications/{application_id}",
    { params: { path: { application_id: id } } })) as Promise<unknown> as Promise<{ items: Envelope[] }>, [id]);
  const items = trail.data?.items ?? [];
  return (
    <>
      <h1>{t("auditor.trailTitle")}</h1>
      <ProblemNote problem={trail.problem} />
      {trail.data && <p>{t("auditor.eventCount", { count: items.length })}</p>}
      <ol className="timeline" aria-label={t("auditor.trailTitle")}>
        {items.map((e) => {
          const service = SERVICE_OF[e.type.split(".")[0]] ?? e.type.split(".")[0];
          return (
            <li key={e.id}>
              <span className="service">{t(`service.${service}`, { defaultValue: service })}</span>{" "}
              <strong title={e.type}>{t(`event.${e.type.split(".")[1]}`, { defaultValue: e.type.split(".")[1] })}</strong>{" "}
              <time dateTime={e.occurred_at}>{f.instant(e.occurred_at)}</time>
              {e.actor?.sub && <> · {t("auditor.by", { who: e.actor.sub })}</>}
              <details><summary>{t("auditor.payload")}</summary><pre>{JSON.stringify(e.payload, null, 1)}</pre></details>
            </li>);
        })}
      </ol>
    </>
  );
}
