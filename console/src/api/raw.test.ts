import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiProblem } from "./problem";
import { requestJson } from "./raw";

afterEach(() => vi.unstubAllGlobals());

describe("requestJson", () => {
  it("sends a command with its key, the version it read and the token", async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ version: 4 }), { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    const answer = await requestJson<{ version: number }>("tok", "applications", "/v1/x", { method: "POST", version: 3, body: { a: 1 } });
    expect(answer.version).toBe(4);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    const headers = init.headers as Record<string, string>;
    expect(url).toBe("/api/applications/v1/x");
    expect(headers["If-Match"]).toBe('"3"');
    expect(headers["Idempotency-Key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers.Authorization).toBe("Bearer tok");
    expect(init.body).toBe('{"a":1}');
  });
  it("turns a refusal into its problem", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ code: "review_window_closed", detail: "too late" }), { status: 409 })));
    const refused = requestJson("tok", "applications", "/v1/y", { method: "POST", body: {} });
    await expect(refused).rejects.toBeInstanceOf(ApiProblem);
    await expect(refused).rejects.toMatchObject({ status: 409, code: "review_window_closed" });
  });
});
