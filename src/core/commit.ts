// A commit names a state tree and its parents; its id is the SHA3-256 of its canonical JSON, so
// history is content-addressed like the state itself (git-style).
import { hashJson } from "./hash.js";

export interface CommitBody {
  tree: string;
  parents: string[];
  author: string;
  message: string;
  time: number;
}

export interface CommitRecord extends CommitBody {
  id: string;
}

export function makeCommit(body: CommitBody): CommitRecord {
  return { id: hashJson(body), ...body };
}
