// One endpoint asked of several services by name (the data-subject endpoints, the same in
// each): JSON in and out, problems as everywhere else, the command headers a command needs.
import { commandHeaders } from "./commands";
import { toProblem } from "./problem";

export type Service = "calls" | "applications" | "payments" | "reporting";

export async function requestJson<T>(token: string | null, service: Service, path: string,
  options: { method?: "GET" | "POST"; body?: unknown; version?: number | null } = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = method === "POST" ? commandHeaders(options.version) : {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`/api/${service}${path}`, { method, headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  } catch {
    throw toProblem(0, null);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw toProblem(response.status, body);
  return body as T;
}
