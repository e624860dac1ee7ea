// A field at fault in a request body, in the shape problem+json `errors` carry for validation
// failures (`{in, path, message}`, path a JSON Pointer), for rules checked after the schema.
export const atBody = (path: string, message: string) => ({ in: "body", path, message });
