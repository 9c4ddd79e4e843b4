// The headers every command carries: a fresh Idempotency-Key and the version it read.

/** The ETag value for a version, as the services emit it. */
export function etag(version: number): string {
  return `"${version}"`;
}

/** A version from an ETag header (`"3"` or `W/"3"`); null when there is none. */
export function versionFromEtag(value: string | null): number | null {
  const match = value?.match(/^(?:W\/)?"(\d+)"$/);
  return match ? Number(match[1]) : null;
}

export function commandHeaders(version?: number | null, key: string = crypto.randomUUID()): Record<string, string> {
  const headers: Record<string, string> = { "Idempotency-Key": key };
  if (version !== undefined && version !== null) headers["If-Match"] = etag(version);
  return headers;
}
