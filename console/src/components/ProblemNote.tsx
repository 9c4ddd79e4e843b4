// A problem the API answered, in words, where it happened.
import { useTranslation } from "react-i18next";
import { describeProblem, type ApiProblem } from "../api/problem";

export function ProblemNote({ problem, onReload }: { problem: ApiProblem | null; onReload?: () => void }) {
  const { t } = useTranslation();
  if (!problem) return null;
  return (
    <div role="alert" className="problem">
      <p>{describeProblem(problem, t)}</p>
      {problem.errors.length > 0 && (
        <ul>{problem.errors.map((e, i) => (
          <li key={i}>{e.field && e.field !== "body" ? `${e.field.replace(/^body\./, "")}: ` : ""}{e.message}</li>))}
        </ul>)}
      {problem.code === "version_conflict" && onReload && (
        <button type="button" onClick={onReload}>{t("action.reload")}</button>
      )}
    </div>
  );
}
