// The call's own application form, rendered from its JSON Schema (2020-12) and UI schema by
// react-jsonschema-form; the schema's messages while typing, the service's beside their field.
import Form from "@rjsf/core";
import type { ErrorSchema, RJSFSchema, UiSchema } from "@rjsf/utils";
import { customizeValidator } from "@rjsf/validator-ajv8";
import Ajv2020 from "ajv/dist/2020";
import { useTranslation } from "react-i18next";
import { errorTree } from "../api/pointers";
import type { ApiProblem } from "../api/problem";

const validator = customizeValidator({ AjvClass: Ajv2020 });

export type Answers = Record<string, unknown>;

/** The failing answers of a problem (`invalid_answers`: `errors` with their JSON pointers). */
export function answerErrors(problem: ApiProblem | null): ErrorSchema | undefined {
  const failures = (problem?.errors ?? []).filter((e) => e.field === "answers" || "pointer" in e)
    .map((e) => ({ pointer: String((e as { pointer?: string }).pointer ?? ""), message: e.message }));
  return failures.length ? (errorTree(failures) as ErrorSchema) : undefined;
}

export function CallForm({ schema, uiSchema, answers, onChange, problem, readOnly }: {
  schema: Record<string, unknown>; uiSchema?: Record<string, unknown> | null; answers: Answers;
  onChange: (answers: Answers) => void; problem: ApiProblem | null; readOnly?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="call-form" className="call-form">
      <h2 id="call-form">{t("form.title")}</h2>
      <Form schema={schema as RJSFSchema} uiSchema={{ "ui:submitButtonOptions": { norender: true }, ...(uiSchema as UiSchema ?? {}) }}
        // Checked as they change, not on leaving a field: messages appearing on blur would move
        // the buttons under the pointer between its press and its release.
        validator={validator} formData={answers} idPrefix="answers" tagName="div"
        liveValidate="onChange" showErrorList={false} noHtml5Validate readonly={readOnly}
        extraErrors={answerErrors(problem)}
        onChange={(e) => onChange((e.formData ?? {}) as Answers)} />
    </section>
  );
}
