// Problems (RFC 9457) the services answer, turned into words in the user's language.
import type { TFunction } from "i18next";

export interface FieldError { field: string; message: string; type?: string }

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail || title);
  }

  /** The messages of one field (dotted path as the API names it, e.g. `budget_cents`). */
  fieldMessages(field: string): string[] {
    return this.errors.filter((e) => e.field === field || e.field.endsWith(`.${field}`)).map((e) => e.message);
  }
}

/** A problem from a response body; a body that is no problem still gives one, with the status. */
export function toProblem(status: number, body: unknown): ApiProblem {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    const errors = Array.isArray(b.errors) ? (b.errors as FieldError[]) : [];
    return new ApiProblem(status, String(b.code ?? `http_${status}`), String(b.title ?? ""),
      String(b.detail ?? ""), errors);
  }
  return new ApiProblem(status, status === 0 ? "network" : `http_${status}`, "", "");
}

/** What the user reads: a translated sentence for known codes, else the API's own detail. */
export function describeProblem(problem: ApiProblem, t: TFunction): string {
  const key = `problem.${problem.code}`;
  const known = t(key, { defaultValue: "" });
  if (known) return problem.detail && problem.code !== "version_conflict" ? `${known} (${problem.detail})` : known;
  return problem.detail || problem.title || t("problem.unknown", { status: problem.status });
}
