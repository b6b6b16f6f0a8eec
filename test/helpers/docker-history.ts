// `docker history --format json` of an image (a fixture's answers/history-<12 hex>.jsonl) and
// `layerscope history --json` of it, in one form: id, created_by, size as Docker prints it,
// comment, created.
import {answer, jsonLines} from './fixture-root.js';

type Row = [string, string, string, string, string];

export function dockerHistory(fixture: string, imageId: string): Row[] {
  return jsonLines<{ID: string; CreatedBy: string; Size: string; Comment: string; CreatedAt: string}>(
    answer(fixture, `history-${imageId.slice(7, 19)}.jsonl`),
  ).map((w) => [w.ID, w.CreatedBy, w.Size, w.Comment, w.CreatedAt]);
}

export function ourHistory(rows: {ID: string; CreatedBy: string; SizeHuman: string; Comment: string; CreatedAt: string}[]): Row[] {
  return rows.map((g) => [g.ID, g.CreatedBy, g.SizeHuman, g.Comment, g.CreatedAt]);
}
