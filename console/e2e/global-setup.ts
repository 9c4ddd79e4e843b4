// One stack for the whole test session (tests/support/console_stack.py), stopped at the end.
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { startProvider } from "./oidc-provider";

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export default async function globalSetup(): Promise<(() => Promise<void>) | undefined> {
  // A stack already running (CASCADE_CONSOLE_URL) is used as it is, e.g. while writing a test.
  if (process.env.CASCADE_CONSOLE_URL) return undefined;
  const repo = resolve(import.meta.dirname, "..", "..");
  const python = process.env.CASCADE_PYTHON ?? resolve(repo, ".venv", "bin", "python");
  // The production side of sign-in: a real OpenID provider, and a second gateway (in
  // production mode, before a calls service trusting only that provider's keys).
  const oidcGatewayPort = await freePort();
  const provider = await startProvider(await freePort(), `http://127.0.0.1:${oidcGatewayPort}`);
  const child = spawn(python, ["-m", "tests.support.console_stack", "--oidc-issuer", provider.issuer,
    "--oidc-gateway-port", String(oidcGatewayPort)], {
    cwd: repo, stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, PYTHONPATH: repo, CASCADE_CONSOLE_DIST: resolve(repo, "console", "dist") },
  });
  const ready = await new Promise<{ url: string; logs: string; oidc_url: string }>((done, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => { if (line.startsWith("{")) done(JSON.parse(line)); });
    child.on("exit", (code) => fail(new Error(`the stack exited with ${code} before it was ready`)));
  });
  process.env.CASCADE_CONSOLE_URL = ready.url;
  process.env.CASCADE_STACK_LOGS = ready.logs;
  process.env.CASCADE_OIDC_CONSOLE_URL = ready.oidc_url;
  return async () => {
    const exited = new Promise((done) => child.on("exit", done));
    child.stdin!.end();
    await exited;
    await provider.close();
  };
}
