// Open and upcoming calls, for anyone, signed in or not.
import { Link, useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { unwrap } from "../api/client";
import { useConsole } from "../api/context";
import { Paged } from "../components/Paged";
import { Beneficiaries } from "./Review";
import { ProblemNote } from "../components/ProblemNote";
import { useResource } from "../components/hooks";
import { useFormat } from "../components/useFormat";

export function PublicCalls() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const f = useFormat();
  return (
    <>
      <h1>{t("calls.title")}</h1>
      <Paged label={t("calls.title")} empty={t("calls.none")}
        load={(cursor) => unwrap(api.calls.GET("/v1/public/calls", { params: { query: { cursor, limit: 20 } } }))}
        render={(calls) => (
          <table>
            <thead><tr><th>{t("call.code")}</th><th>{t("call.title")}</th><th>{t("call.kind")}</th>
              <th>{t("call.status")}</th><th>{t("call.opensAt")}</th><th>{t("call.closesAt")}</th><th>{t("call.budget")}</th></tr></thead>
            <tbody>{calls.map((c) => (
              <tr key={c.id}>
                <td>{c.code}</td><td><Link to={`/calls/${c.id}`}>{c.title}</Link></td>
                <td>{t(`kind.${c.kind}`)}</td><td>{t(`callStatus.${c.status}`)}</td>
                <td>{f.instant(c.opens_at)}</td><td>{f.instant(c.closes_at)}</td>
                <td>{f.money(c.budget_cents, c.currency)}</td>
              </tr>))}
            </tbody>
          </table>)} />
    </>
  );
}

export function PublicCall() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const { api, session } = useConsole();
  const f = useFormat();
  const call = useResource(() => unwrap(api.calls.GET("/v1/public/calls/{call_id}", { params: { path: { call_id: id } } })), [id]);
  const c = call.data;
  return (
    <>
      <ProblemNote problem={call.problem} />
      {c && (
        <article>
          <h1>{c.title} <small>({c.code})</small></h1>
          <p>{t(`kind.${c.kind}`)} · {t(`callStatus.${c.status}`)} · {t(`mode.${c.selection_mode}`)}</p>
          <dl>
            <dt>{t("call.opensAt")}</dt><dd>{f.instant(c.opens_at)}</dd>
            <dt>{t("call.closesAt")}</dt><dd>{f.instant(c.closes_at)}</dd>
            <dt>{t("call.budget")}</dt><dd>{f.money(c.budget_cents, c.currency)}</dd>
            <dt>{t("call.grantRange")}</dt><dd>{f.money(c.min_grant_cents, c.currency)} – {f.money(c.max_grant_cents, c.currency)}</dd>
          </dl>
          <h2>{t("call.eligibility")}</h2>
          <ul>{c.eligibility.map((rule, i) => <li key={i}>{String((rule as { description?: string }).description ?? rule.type)}</li>)}</ul>
          <h2>{t("call.criteria")}</h2>
          <ul>{c.criteria.map((k) => <li key={k.code}>{k.title} ({t("call.weight")} {f.number(k.weight)}, {t("call.maxScore")} {f.number(k.max_score)})</li>)}</ul>
          {c.status === "results_published" && <Beneficiaries callId={c.id} />}
          {session?.roles.includes("applicant") && c.status === "open" && (
            <Link to={`/applicant/apply/${c.id}`} className="button">{t("application.applyHere")}</Link>
          )}
          {!session && <p><Link to="/signin">{t("calls.signInToApply")}</Link></p>}
        </article>
      )}
    </>
  );
}
