// Layer chain ids (image-spec "ChainID"): the identity of a layer together with everything below it.
import {sha256Digest} from './digest.js';

/** chainID(L0) = diffID(L0); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)). */
export function nextChainId(parentChainId: string | undefined, diffId: string): string {
  return parentChainId === undefined ? diffId : sha256Digest(`${parentChainId} ${diffId}`);
}

/** The chain ids of a stack of diff ids, bottom first. */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) out.push(nextChainId(out.at(-1), diffId));
  return out;
}
