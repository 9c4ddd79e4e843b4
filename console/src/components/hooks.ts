// Loading a resource and running a command, with the problem kept for display.
import { useCallback, useEffect, useState } from "react";
import { ApiProblem, toProblem } from "../api/problem";

function asProblem(error: unknown): ApiProblem {
  return error instanceof ApiProblem ? error : toProblem(0, null);
}

export function useResource<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setProblem(null);
    load().then((value) => live && setData(value), (error) => live && setProblem(asProblem(error)));
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data, problem, reload, setData };
}

export function useCommand() {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const run = useCallback(async <T,>(command: () => Promise<T>): Promise<T | null> => {
    setBusy(true);
    setProblem(null);
    try {
      return await command();
    } catch (error) {
      setProblem(asProblem(error));
      return null;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, problem, run, clear: () => setProblem(null) };
}
