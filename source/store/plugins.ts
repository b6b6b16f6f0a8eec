// Managed (v2) plugins: `plugins/<id>/config.json`, what `docker plugin ls` lists (moby plugin/store.go,
// plugin/v2/plugin.go). Only config.json is read; the plugin's rootfs and propagated mount are its own.
// Legacy plugins (a socket in /run/docker/plugins, a spec in /etc/docker/plugins) live outside the
// root and are found by dockerd at run time: a root does not record them.
import {lstatSync} from 'node:fs';
import {join} from 'node:path';
import {isHex64} from '../docker/digest.js';
import {familiarName, withDefaultTag} from '../docker/reference.js';
import type {ManagedPlugin} from './model.js';
import type {Problems} from './problems.js';
import {listDir, readJson} from './files.js';

interface RawPlugin {
  plugin?: {
    Id?: string;
    Name?: string;
    Enabled?: boolean;
    Config?: {Description?: string; Interface?: {Types?: string[] | null}; Linux?: {Capabilities?: string[] | null}; PropagatedMount?: string};
  };
}

export function readPlugins(root: string, problems: Problems): ManagedPlugin[] {
  const base = join(root, 'plugins');
  const plugins: ManagedPlugin[] = [];
  // plugins/ also holds storage/ (blobs) and tmp/: plugin directories are named by their id.
  for (const id of listDir(base, problems).filter(isHex64)) {
    const file = join(base, id, 'config.json');
    try {
      if (!lstatSync(file).isFile()) {
        problems.add(file, 'not a regular file; plugin left out');
        problems.leftOut.add(id);
        continue;
      }
    } catch (err) {
      problems.fromError(file, err, 'stat');
      problems.leftOut.add(id);
      continue;
    }
    const raw = readJson<RawPlugin>(file, problems)?.plugin;
    if (!raw || typeof raw !== 'object' || typeof raw.Name !== 'string') {
      problems.add(file, 'no plugin name; plugin left out');
      problems.leftOut.add(id);
      continue;
    }
    const config = raw.Config ?? {};
    plugins.push({
      id: raw.Id ?? id,
      name: raw.Name,
      description: config.Description ?? '',
      enabled: raw.Enabled === true,
      types: config.Interface?.Types ?? [],
      capabilities: config.Linux?.Capabilities ?? [],
      propagatedMount: config.PropagatedMount ? join(base, id, 'propagated-mount') : undefined,
    });
  }
  return plugins.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The managed plugin a volume driver name refers to, as dockerd's plugin store resolves it: the
 * name as given or in familiar form (`docker.io/vieux/sshfs` is `vieux/sshfs:latest`), or a
 * unique prefix of a plugin id.
 */
export function pluginForDriver(driver: string, plugins: ManagedPlugin[]): ManagedPlugin | undefined {
  const familiar = withDefaultTag(familiarName(driver));
  const byName = plugins.find((p) => p.name === driver || p.name === familiar);
  if (byName) return byName;
  const byId = plugins.filter((p) => p.id.startsWith(driver));
  return byId.length === 1 ? byId[0] : undefined;
}
