// RFC 6901 JSON Pointer tokens, as far as the state model needs them: the first token of a
// pointer into the entities object is the entity id.

export function escapeToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

export function unescapeToken(token: string): string {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** The unescaped tokens of a pointer; "" is the whole document. */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/"))
    throw new TypeError(`"${pointer}" is not a JSON Pointer: it must be empty or start with "/"`);
  return pointer.slice(1).split("/").map(unescapeToken);
}

export function joinPointer(parent: string, token: string): string {
  return `${parent}/${escapeToken(token)}`;
}
