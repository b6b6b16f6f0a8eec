// Attestation manifests (BuildKit provenance, SBOM: `vnd.docker.reference.type:
// attestation-manifest` in an image index) are never images: each becomes a layer of kind
// `attestation` whose files are its in-toto statements, held in memory, in every store that
// reads indexes (archives, the containerd content store).
import {syntheticMeta, type LayerNode} from '../tree/entry.js';
import type {Attestation, Layer} from './model.js';

/** How descriptors mark an attestation manifest in BuildKit's indexes, and which manifest it is about. */
export const REFERENCE_TYPE = 'vnd.docker.reference.type';
export const REFERENCE_DIGEST = 'vnd.docker.reference.digest';

/** A statement layer's predicate type, as BuildKit annotates it. */
export const PREDICATE_TYPE = 'in-toto.io/predicate-type';

/** A file name for a statement: its predicate type without the scheme (`slsa.dev_provenance_v0.2.json`). */
export function statementName(predicateType: string, taken: Map<string, Buffer>): string {
  const base =
    predicateType
      .replace(/^[a-z]+:\/\//i, '')
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'statement';
  let name = `${base}.json`;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}.json`;
  return name;
}

/** Indented to be read in the file view (BuildKit writes each statement on one line). */
function indented(json: Buffer): Buffer {
  try {
    return Buffer.from(`${JSON.stringify(JSON.parse(json.toString('utf8')), null, 2)}\n`);
  } catch {
    return json;
  }
}

/** An attestation layer's tree: one regular file per statement. */
export function statementTree(files: Map<string, Buffer>): LayerNode {
  const children = new Map<string, LayerNode>();
  for (const [name, bytes] of files) children.set(name, {name, meta: syntheticMeta('file', bytes.length)});
  return {name: '', meta: syntheticMeta('dir'), children};
}

/**
 * An attestation manifest's statements (bytes and predicate types) as its layer, its files, and
 * the image's note of it. `dir` says where the manifest is (for problems and the Details pane).
 */
export function attestationLayer(
  digest: string,
  statements: {predicateType: string; bytes: Buffer}[],
  imageId: string,
  dir: string,
): {layer: Layer; files: Map<string, Buffer>; attestation: Attestation} {
  const files = new Map<string, Buffer>();
  for (const s of statements) files.set(statementName(s.predicateType, files), indented(s.bytes));
  return {
    layer: {
      id: digest,
      kind: 'attestation',
      cacheId: digest,
      dir,
      full: false,
      size: [...files.values()].reduce((n, b) => n + b.length, 0),
      images: [imageId],
    },
    files,
    attestation: {digest, layer: digest, predicateTypes: statements.map((s) => s.predicateType)},
  };
}
