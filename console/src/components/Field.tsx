// A labelled input with the API's messages for its field shown beside it.
import { useId, type InputHTMLAttributes } from "react";
import type { ApiProblem } from "../api/problem";

export function Field({ label, field, problem, ...input }: InputHTMLAttributes<HTMLInputElement> & {
  label: string; field?: string; problem?: ApiProblem | null;
}) {
  const id = useId();
  const messages = field && problem ? problem.fieldMessages(field) : [];
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={messages.length > 0 || undefined}
        aria-describedby={messages.length ? `${id}-error` : undefined} {...input} />
      {messages.length > 0 && <p id={`${id}-error`} className="field-error">{messages.join("; ")}</p>}
    </div>
  );
}

export function Select({ label, options, ...select }: React.SelectHTMLAttributes<HTMLSelectElement> & {
  label: string; options: { value: string; label: string }[];
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} {...select}>
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    </div>
  );
}
