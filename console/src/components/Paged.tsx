// A list that pages with the API's opaque cursors ("more" fetches the next page).
import { useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ApiProblem, toProblem } from "../api/problem";
import { ProblemNote } from "./ProblemNote";

export interface PageOf<T> { items: T[]; next_cursor?: string | null }

export function Paged<T>({ load, render, empty, deps = [], label }: {
  load: (cursor: string | undefined) => Promise<PageOf<T>>;
  render: (items: T[]) => ReactNode;
  empty: string;
  label: string;
  deps?: unknown[];
}) {
  const { t } = useTranslation();
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [loaded, setLoaded] = useState(false);

  async function fetchPage(cursor: string | undefined, append: boolean) {
    try {
      const page = await load(cursor);
      setItems((before) => (append ? [...before, ...page.items] : page.items));
      setNext(page.next_cursor ?? null);
      setProblem(null);
    } catch (error) {
      setProblem(error instanceof ApiProblem ? error : toProblem(0, null));
    } finally {
      setLoaded(true);
    }
  }
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => { void fetchPage(undefined, false); }, deps);

  return (
    <section aria-label={label} aria-busy={!loaded}>
      <ProblemNote problem={problem} />
      {loaded && items.length === 0 && !problem ? <p>{empty}</p> : render(items)}
      {next && (
        <button type="button" onClick={() => void fetchPage(next, true)}>{t("action.more")}</button>
      )}
    </section>
  );
}
