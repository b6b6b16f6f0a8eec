#!/usr/bin/env node
// A containers-storage root (podman's overlay layout) holding the same files as a Docker root made
// by make-store.js: each layer's diff/ is hard-linked (cp -al) into overlay/<layer-id>/diff, and
// overlay-layers/layers.json, overlay-images/images.json (+ each config as its big-data file) and
// overlay-containers/containers.json describe them. podman has no init layer: a container's
// layer sits on the image's top layer. Usage: node bench/make-podman.js DOCKER_ROOT OUT
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

export function makePodman(docker, out) {
  const done = join(out, 'overlay-layers', 'layers.json');
  if (existsSync(done)) return out;
  const db = join(docker, 'image', 'overlay2', 'layerdb');
  const read = (p) => readFileSync(p, 'utf8').trim();
  const maybe = (p) => (existsSync(p) ? read(p) : undefined);
  const layers = [];
  mkdirSync(join(out, 'overlay'), {recursive: true});
  for (const hex of readdirSync(join(db, 'sha256'))) {
    const dir = join(db, 'sha256', hex);
    const parent = maybe(join(dir, 'parent'))?.replace(/^sha256:/, '');
    layers.push({id: hex, ...(parent ? {parent} : {}), 'diff-digest': read(join(dir, 'diff')), 'diff-size': Number(read(join(dir, 'size')))});
    mkdirSync(join(out, 'overlay', hex), {recursive: true});
    execFileSync('cp', ['-al', join(docker, 'overlay2', read(join(dir, 'cache-id')), 'diff'), join(out, 'overlay', hex, 'diff')]);
  }
  const containers = [];
  for (const id of readdirSync(join(db, 'mounts'))) {
    const m = join(db, 'mounts', id);
    const layer = `${id.slice(0, 32)}${'0'.repeat(32)}`;
    layers.push({id: layer, parent: read(join(m, 'parent')).replace(/^sha256:/, '')});
    mkdirSync(join(out, 'overlay', layer), {recursive: true});
    execFileSync('cp', ['-al', join(docker, 'overlay2', read(join(m, 'mount-id')), 'diff'), join(out, 'overlay', layer, 'diff')]);
    const config = JSON.parse(readFileSync(join(docker, 'containers', id, 'config.v2.json'), 'utf8'));
    containers.push({id, names: [config.Name.replace(/^\//, '')], image: config.Image.replace(/^sha256:/, ''), layer});
  }
  const repos = JSON.parse(readFileSync(join(docker, 'image', 'overlay2', 'repositories.json'), 'utf8')).Repositories ?? {};
  const names = new Map();
  for (const refs of Object.values(repos))
    for (const [ref, id] of Object.entries(refs))
      if (!ref.includes('@')) names.set(id, [...(names.get(id) ?? []), `docker.io/${ref.split(':')[0].includes('/') ? '' : 'library/'}${ref}`]);
  const images = [];
  const content = join(docker, 'image', 'overlay2', 'imagedb', 'content', 'sha256');
  for (const hex of readdirSync(content)) {
    const config = readFileSync(join(content, hex));
    const diffIds = JSON.parse(config.toString()).rootfs.diff_ids;
    let chain;
    for (const d of diffIds) chain = chain === undefined ? d : `sha256:${sha256(`${chain} ${d}`)}`;
    const key = `sha256:${hex}`;
    mkdirSync(join(out, 'overlay-images', hex), {recursive: true});
    writeFileSync(join(out, 'overlay-images', hex, `=${Buffer.from(key).toString('base64')}`), config);
    images.push({
      id: hex,
      ...(names.has(key) ? {names: names.get(key)} : {}),
      layer: chain?.replace(/^sha256:/, ''),
      'big-data-names': [key],
      'big-data-sizes': {[key]: config.length},
    });
  }
  mkdirSync(join(out, 'overlay-containers'), {recursive: true});
  mkdirSync(join(out, 'overlay-layers'), {recursive: true});
  writeFileSync(join(out, 'overlay-images', 'images.json'), JSON.stringify(images));
  writeFileSync(join(out, 'overlay-containers', 'containers.json'), JSON.stringify(containers));
  writeFileSync(done, JSON.stringify(layers));
  return out;
}

function sha256(text) {
  return execFileSync('sha256sum', {input: text}).toString().split(' ')[0];
}

if (import.meta.url === `file://${process.argv[1]}`) makePodman(process.argv[2], process.argv[3]);
