// Signing in: a development token for a chosen role and name, or OpenID Connect with PKCE.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useConsole } from "../api/context";
import { toProblem } from "../api/problem";
import { ROLES, type Role } from "../auth/session";
import { authorisationUrl, completeSignIn } from "../auth/pkce";
import { Field, Select } from "../components/Field";
import { ProblemNote } from "../components/ProblemNote";
import { useCommand } from "../components/hooks";

export function SignIn() {
  const { t } = useTranslation();
  const { config, signIn } = useConsole();
  const [role, setRole] = useState<Role>("applicant");
  const [name, setName] = useState("");
  const command = useCommand();

  async function development(event: FormEvent) {
    event.preventDefault();
    const sub = name.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-") || role;
    const token = await command.run(async () => {
      const response = await fetch("/api/dev/token", {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ role, sub, name: name.trim() || null }),
      });
      const body = await response.json();
      if (!response.ok) throw toProblem(response.status, body);
      return String(body.token);
    });
    if (token) signIn(token);
  }

  async function provider() {
    const url = await command.run(async () => {
      try { return await authorisationUrl(config.oidc!); } catch { throw toProblem(0, null); }
    });
    if (url) location.assign(url);
  }

  return (
    <>
      <h1>{t("signIn.title")}</h1>
      <ProblemNote problem={command.problem} />
      {config.sign_in === "oidc" ? (
        <button type="button" onClick={() => void provider()}>{t("signIn.withProvider")}</button>
      ) : (
        <form onSubmit={(e) => void development(e)}>
          <p>{t("signIn.developmentNote")}</p>
          <Select label={t("signIn.role")} value={role} onChange={(e) => setRole(e.target.value as Role)}
            options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))} />
          <Field label={t("signIn.name")} value={name} onChange={(e) => setName(e.target.value)} required />
          <button type="submit" disabled={command.busy}>{t("signIn.submit")}</button>
        </form>
      )}
    </>
  );
}

export function SignInCallback() {
  const { t } = useTranslation();
  const { config, signIn } = useConsole();
  const [failure, setFailure] = useState<string | null>(null);
  const started = useRef(false);
  useEffect(() => {
    if (!config.oidc || started.current) return;
    started.current = true;
    completeSignIn(config.oidc, new URLSearchParams(location.search)).then(signIn,
      (error: Error) => setFailure(error.message));
  }, [config.oidc, signIn]);
  return failure
    ? <div role="alert" className="problem"><p>{t("signIn.failed", { reason: failure })}</p></div>
    : <p>{t("signIn.completing")}</p>;
}
