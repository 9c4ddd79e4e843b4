// One stack for the whole test session (tests/support/console_stack.py), stopped at the end.
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

export default async function globalSetup(): Promise<(() => Promise<void>) | undefined> {
  // A stack already running (CASCADE_CONSOLE_URL) is used as it is, e.g. while writing a test.
  if (process.env.CASCADE_CONSOLE_URL) return undefined;
  const repo = resolve(import.meta.dirname, "..", "..");
  const python = process.env.CASCADE_PYTHON ?? resolve(repo, ".venv", "bin", "python");
  const child = spawn(python, ["-m", "tests.support.console_stack"], {
    cwd: repo, stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, PYTHONPATH: repo, CASCADE_CONSOLE_DIST: resolve(repo, "console", "dist") },
  });
  const ready = await new Promise<{ url: string; logs: string }>((done, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => { if (line.startsWith("{")) done(JSON.parse(line)); });
    child.on("exit", (code) => fail(new Error(`the stack exited with ${code} before it was ready`)));
  });
  process.env.CASCADE_CONSOLE_URL = ready.url;
  process.env.CASCADE_STACK_LOGS = ready.logs;
  return async () => {
    const exited = new Promise((done) => child.on("exit", done));
    child.stdin!.end();
    await exited;
  };
}
