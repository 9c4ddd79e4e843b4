// Files to and from the services: an upload sends the file itself as the body, with its own
// Content-Type, and reports its progress; a download fetches with the token and saves.
import { toProblem, type ApiProblem } from "./problem";

export interface UploadProgress { loaded: number; total: number }

/** The path of an upload: the annex's code and the file's own name as query parameters. */
export function uploadPath(base: string, code: string, name: string): string {
  return `${base}?${new URLSearchParams({ code, name }).toString()}`;
}

/** POSTs `file` as the raw body; resolves with the service's JSON answer, rejects with its problem.
 * XMLHttpRequest rather than fetch: only it reports how much of the body has gone. */
export function uploadFile<T>(url: string, file: File, token: string | null, headers: Record<string, string>,
  onProgress?: (progress: UploadProgress) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    if (token) request.setRequestHeader("Authorization", `Bearer ${token}`);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.upload.onprogress = (e) => onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    request.onerror = () => reject(toProblem(0, null));
    request.onload = () => {
      let body: unknown = null;
      try { body = JSON.parse(request.responseText); } catch { /* a body that is no JSON: the status speaks */ }
      if (request.status >= 200 && request.status < 300) resolve(body as T);
      else reject(toProblem(request.status, body));
    };
    request.send(file);
  });
}

/** Fetches `url` with the token and hands the bytes to the browser as a file named `name`. */
export async function saveDownload(url: string, token: string | null, name: string): Promise<true> {
  const response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw toProblem(response.status, await response.json().catch(() => null)) as ApiProblem;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  return true;
}

/** A size in bytes for people: 1 KB = 1024 bytes, one decimal above bytes. */
export function formatBytes(bytes: number, locale: string): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  const digits = unit === 0 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)}\u00a0${units[unit]}`;
}
