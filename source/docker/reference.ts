// Image references as docker shows and parses them: `name[:tag]`, `name@digest`, in familiar form
// (`docker.io/library/busybox:1` is shown as `busybox:1`).

export interface Reference {
  /** Familiar repository name, e.g. `myapp` or `quay.io/x/y`. */
  name: string;
  tag: string;
  /** `name:tag` */
  full: string;
}

const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Drop the default registry and `library/` namespace, as docker prints names. */
export function familiarName(ref: string): string {
  return ref.replace(/^docker\.io\/(library\/)?/, '');
}

/** The fully qualified form (`busybox:1` → `docker.io/library/busybox:1`), docker's splitDockerDomain:
 *  a first component with a `.` or `:`, or `localhost`, is a registry; the rest is on docker.io. */
export function normalizedName(ref: string): string {
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) return ref;
  return slash < 0 ? `docker.io/library/${ref}` : `docker.io/${ref}`;
}

/** Docker's order of an image's RepoTags (the reference store sorts them by their full names). */
export function byNormalizedName(a: string, b: string): number {
  const na = normalizedName(a);
  const nb = normalizedName(b);
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** `name` means `name:latest`; a reference with a tag or digest is kept as it is. */
export function withDefaultTag(ref: string): string {
  const lastSlash = ref.lastIndexOf('/');
  const hasTag = ref.slice(lastSlash + 1).includes(':');
  return ref.includes('@') || hasTag ? ref : `${ref}:latest`;
}

/** Parse NAME[:TAG] (default tag `latest`), rejecting what Docker would reject. */
export function parseReference(ref: string): Reference {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const hasTag = colon > slash;
  const name = hasTag ? ref.slice(0, colon) : ref;
  const tag = hasTag ? ref.slice(colon + 1) : 'latest';
  if (!NAME.test(name)) throw new Error(`invalid reference "${ref}": repository names are lowercase letters, digits and separators`);
  if (!TAG.test(tag)) throw new Error(`invalid tag in reference "${ref}"`);
  const familiar = familiarName(name);
  return {name: familiar, tag, full: `${familiar}:${tag}`};
}

/** The familiar `repo:tag` an OCI descriptor's annotations give (containerd's full name first). */
export function annotatedReference(annotations: Record<string, string> | undefined): string | undefined {
  const full = annotations?.['io.containerd.image.name'] ?? annotations?.['org.opencontainers.image.ref.name'];
  if (!full || !/[:/]/.test(full)) return undefined; // a bare tag names no repository
  return familiarName(full);
}
