// Files attached under codes: what is asked for, what is attached (size, SHA-256), uploading
// with progress and the refusal in words, downloading with the token.
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { useConsole } from "../api/context";
import { formatBytes, saveDownload, uploadFile, uploadPath, type UploadProgress } from "../api/files";
import { commandHeaders } from "../api/commands";
import { ProblemNote } from "./ProblemNote";
import { useCommand } from "./hooks";
import { useFormat } from "./useFormat";

/** One file asked for: its code, what it is, and (when the service says) its types and size limit. */
export interface AnnexSlot { code: string; title: string; media_types?: string[]; max_bytes?: number }
export interface AttachedFile { id: string; code: string; name: string; media_type: string; size: number; sha256: string }

export function Annexes({ heading, slots, attached, base, version, canChange, onChanged }: {
  heading: string;
  slots: AnnexSlot[];
  attached: AttachedFile[];
  /** The service's path of the list (`/api/<service>/v1/.../annexes`); uploads and downloads hang off it. */
  base: string;
  version?: number | null;
  canChange: boolean;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const headingId = useId();
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{heading}</h2>
      {slots.length === 0 && <p>{t("annex.noneRequired")}</p>}
      {slots.map((slot) => (
        <AnnexRow key={slot.code} slot={slot} file={attached.find((a) => a.code === slot.code)} base={base}
          version={version} canChange={canChange} onChanged={onChanged} />))}
    </section>
  );
}

function AnnexRow({ slot, file, base, version, canChange, onChanged }: {
  slot: AnnexSlot; file?: AttachedFile; base: string; version?: number | null; canChange: boolean; onChanged: () => void;
}) {
  const { t } = useTranslation();
  const { session } = useConsole();
  const f = useFormat();
  const id = useId();
  const upload = useCommand();
  const download = useCommand();
  const [chosen, setChosen] = useState<File | null>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  // A new key empties the file input once its file is attached.
  const [picks, setPicks] = useState(0);
  const token = session?.token ?? null;

  async function send() {
    if (!chosen) return;
    setProgress({ loaded: 0, total: chosen.size });
    const done = await upload.run(() => uploadFile<AttachedFile>(uploadPath(base, slot.code, chosen.name), chosen, token,
      commandHeaders(version), setProgress));
    setProgress(null);
    if (done) { setChosen(null); setPicks((n) => n + 1); onChanged(); }
  }
  const limits = [slot.media_types?.length ? t("annex.types", { types: slot.media_types.join(", ") }) : "",
    slot.max_bytes ? t("annex.maxSize", { size: formatBytes(slot.max_bytes, f.locale) }) : ""].filter(Boolean).join(" · ");

  return (
    <div className="card annex" role="group" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{slot.title}</h3>
      {limits && <p id={`${id}-limits`}>{limits}</p>}
      {file ? (
        <dl data-testid={`annex-${slot.code}`}>
          <dt>{t("annex.file")}</dt><dd>{file.name} ({file.media_type})</dd>
          <dt>{t("annex.size")}</dt><dd>{formatBytes(file.size, f.locale)}</dd>
          <dt>{t("annex.sha256")}</dt><dd><code className="hash">{file.sha256}</code></dd>
        </dl>) : <p>{t("annex.missing")}</p>}
      {file && <button type="button" className="secondary" disabled={download.busy}
        onClick={() => void download.run(() => saveDownload(`${base}/${file.id}`, token, file.name))}>
        {t("annex.download", { name: file.name })}</button>}
      <ProblemNote problem={download.problem} />
      {canChange && <>
        <div className="field">
          <label htmlFor={`${id}-file`}>{file ? t("annex.replace", { title: slot.title }) : t("annex.choose", { title: slot.title })}</label>
          <input key={picks} id={`${id}-file`} type="file" accept={slot.media_types?.join(",")}
            aria-describedby={limits ? `${id}-limits` : undefined}
            onChange={(e) => { upload.clear(); setChosen(e.target.files?.[0] ?? null); }} />
        </div>
        <button type="button" disabled={!chosen || upload.busy} onClick={() => void send()}>{t("annex.upload")}</button>
        {progress && <progress max={progress.total || 1} value={progress.loaded} aria-label={t("annex.progress", { name: chosen?.name ?? "" })} />}
        <ProblemNote problem={upload.problem} />
      </>}
    </div>
  );
}
