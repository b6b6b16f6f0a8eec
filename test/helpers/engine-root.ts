// What an engine root holds that no record names: the traces a failed or killed command must not leave.
import {existsSync, readdirSync, readFileSync, readlinkSync} from 'node:fs';
import {join} from 'node:path';
import {rootPaths} from '../../source/engine/layout.js';

/** Everything in the root that no record names: layer dirs without layerdb or container records, dangling l/ links, temp areas. */
export function leftovers(root: string): string[] {
  const p = rootPaths(root);
  const named = new Set<string>();
  for (const chain of readdirSync(p.layerdb)) named.add(readFileSync(join(p.layerdb, chain, 'cache-id'), 'utf8').trim());
  for (const c of existsSync(p.mounts) ? readdirSync(p.mounts) : []) {
    for (const f of ['mount-id', 'init-id']) named.add(readFileSync(join(p.mounts, c, f), 'utf8').trim());
  }
  const out: string[] = [];
  for (const id of readdirSync(p.overlay)) if (id !== 'l' && !named.has(id)) out.push(`overlay2/${id}`);
  for (const link of readdirSync(p.links)) if (!existsSync(join(p.links, link))) out.push(`overlay2/l/${link} -> ${readlinkSync(join(p.links, link))}`);
  for (const t of readdirSync(p.tmp)) out.push(`tmp/${t}`);
  for (const chain of readdirSync(p.layerdb))
    if (!existsSync(join(p.overlay, readFileSync(join(p.layerdb, chain, 'cache-id'), 'utf8').trim()))) out.push(`layerdb ${chain}`);
  return out;
}
