// The services name a failing answer by its JSON pointer (RFC 6901); the form library wants
// its errors as a tree of the answers' shape, each leaf's messages under `__errors`.

export interface ErrorTree { __errors?: string[]; [key: string]: ErrorTree | string[] | undefined }

/** The path of a JSON pointer: "/budget/0/amount" -> ["budget", "0", "amount"]; "" -> []. */
export function pointerPath(pointer: string): string[] {
  if (!pointer || pointer === "/") return [];
  return pointer.replace(/^\//, "").split("/").map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The messages of each pointer, as an error tree (the root's at the top `__errors`). */
export function errorTree(failures: { pointer: string; message: string }[]): ErrorTree {
  const root: ErrorTree = {};
  for (const { pointer, message } of failures) {
    let node = root;
    for (const part of pointerPath(pointer)) node = (node[part] ??= {}) as ErrorTree;
    (node.__errors ??= []).push(message);
  }
  return root;
}
