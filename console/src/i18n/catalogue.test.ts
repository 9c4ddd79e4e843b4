import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import en from "./en.json";
import it_ from "./it.json";
import { pickLanguage } from "./index";

function keys(node: object, prefix = ""): string[] {
  return Object.entries(node).flatMap(([k, v]) => (typeof v === "string" ? [prefix + k] : keys(v, `${prefix}${k}.`)));
}
function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) && !name.includes(".test.") ? [path] : [];
  });
}

describe("the translation catalogue", () => {
  it("has every English text in Italian too, and nothing more", () => {
    expect(keys(it_).sort()).toEqual(keys(en).sort());
  });
  it("holds every key the screens ask for", () => {
    const known = new Set(keys(en));
    const used = sources(join(import.meta.dirname, "..")).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/\bt\("([a-zA-Z]+\.[a-zA-Z.]+)"/g)].map((m) => m[1]));
    expect(used.length).toBeGreaterThan(100);
    expect(used.filter((key) => !known.has(key))).toEqual([]);
  });
  it("follows the browser's language, a stored choice first", () => {
    expect(pickLanguage(["it-IT", "en"], null)).toBe("it");
    expect(pickLanguage(["de-DE", "en-US"], null)).toBe("en");
    expect(pickLanguage(["fr"], null)).toBe("en");
    expect(pickLanguage(["it-IT"], "en")).toBe("en");
  });
});
