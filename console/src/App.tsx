// The console's frame: who is signed in, the navigation of their roles, the screens.
import { useEffect, useMemo, useState } from "react";
import { Link, Route, Routes, useNavigate } from "react-router";
import { useTranslation } from "react-i18next";
import { makeApi } from "./api/client";
import { Context, type ConsoleConfig } from "./api/context";
import { loadSession, saveSession, sessionFromToken, type Session, type Role } from "./auth/session";
import { chooseLanguage, LANGUAGES, type Language } from "./i18n";
import { PublicCalls, PublicCall } from "./screens/PublicCalls";
import { SignIn, SignInCallback } from "./screens/SignIn";
import { ApplicantHome, ApplyToCall } from "./screens/Applicant";
import { ApplicationPage } from "./screens/ApplicationPage";
import { EvaluatorHome } from "./screens/Evaluator";
import { ManagerHome, ProgrammePage } from "./screens/Manager";
import { CallPage } from "./screens/CallPage";
import { ReportPage } from "./screens/Report";
import { FinanceHome } from "./screens/Finance";
import { GrantPage } from "./screens/GrantPage";
import { AuditorHome, TrailPage } from "./screens/Auditor";
import { ReviewerHome } from "./screens/Review";
import { AdminHome } from "./screens/Admin";

const HOME: Record<Role, string> = {
  applicant: "/applicant", evaluator: "/evaluator", programme_manager: "/manager",
  finance_officer: "/finance", auditor: "/auditor", reviewer: "/reviewer", admin: "/admin",
};

export function App() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [config, setConfig] = useState<ConsoleConfig>({ sign_in: "development", oidc: null });
  const api = useMemo(() => makeApi(() => session?.token ?? null), [session]);

  useEffect(() => {
    fetch("/api/config").then((r) => (r.ok ? r.json() : null)).then((c) => c && setConfig(c), () => undefined);
  }, []);

  const context = {
    api, session, config,
    signIn(token: string) {
      saveSession(token);
      const signedIn = sessionFromToken(token);
      setSession(signedIn);
      navigate(signedIn.roles[0] ? HOME[signedIn.roles[0]] : "/");
    },
    signOut() { saveSession(null); setSession(null); navigate("/"); },
  };

  return (
    <Context.Provider value={context}>
      <a className="skip" href="#main">{t("nav.skip")}</a>
      <header>
        <nav aria-label={t("nav.label")}>
          <Link to="/" className="brand">{t("app.name")}</Link>
          <Link to="/">{t("nav.calls")}</Link>
          {session?.roles.map((role) => <Link key={role} to={HOME[role]}>{t(`role.${role}`)}</Link>)}
        </nav>
        <div className="tools">
          <label htmlFor="language">{t("nav.language")}</label>
          <select id="language" value={i18n.language}
            onChange={(e) => chooseLanguage(e.target.value as Language)}>
            {LANGUAGES.map((l) => <option key={l} value={l}>{t(`language.${l}`)}</option>)}
          </select>
          {session ? (
            <>
              <span className="who">{t("nav.signedInAs", { name: session.name ?? session.sub })}</span>
              <button type="button" onClick={context.signOut}>{t("nav.signOut")}</button>
            </>
          ) : <Link to="/signin">{t("nav.signIn")}</Link>}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Routes>
          <Route path="/" element={<PublicCalls />} />
          <Route path="/calls/:id" element={<PublicCall />} />
          <Route path="/signin" element={<SignIn />} />
          <Route path="/signin/callback" element={<SignInCallback />} />
          <Route path="/applicant" element={<ApplicantHome />} />
          <Route path="/applicant/apply/:callId" element={<ApplyToCall />} />
          <Route path="/applications/:id" element={<ApplicationPage />} />
          <Route path="/evaluator" element={<EvaluatorHome />} />
          <Route path="/manager" element={<ManagerHome />} />
          <Route path="/manager/programmes/:id" element={<ProgrammePage />} />
          <Route path="/manager/calls/:id" element={<CallPage />} />
          <Route path="/reports/programmes/:id" element={<ReportPage />} />
          <Route path="/finance" element={<FinanceHome />} />
          <Route path="/grants/:id" element={<GrantPage />} />
          <Route path="/auditor" element={<AuditorHome />} />
          <Route path="/auditor/trail/:id" element={<TrailPage />} />
          <Route path="/reviewer" element={<ReviewerHome />} />
          <Route path="/admin" element={<AdminHome />} />
          <Route path="*" element={<p>{t("app.notFound")}</p>} />
        </Routes>
      </main>
    </Context.Provider>
  );
}
