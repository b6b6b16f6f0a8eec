// Platforms as OCI indexes name them (`os/architecture[/variant]`, Go's GOOS/GOARCH names).
import type {Descriptor, Platform} from './oci.js';

/** Docker's GOARCH name for this machine. */
export function goArch(): string {
  return (
    ({x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64'} as Record<string, string>)[process.arch] ??
    process.arch
  );
}

export function hostPlatform(): Platform {
  return {os: 'linux', architecture: goArch()};
}

/** `linux/amd64`, `linux/arm/v7`. */
export function formatPlatform(p: Platform | undefined): string {
  return [p?.os ?? '?', p?.architecture ?? '?', p?.variant].filter(Boolean).join('/');
}

/** Whether `p` is the platform `want` names (a `want` without a variant takes any variant; arm64's unnamed variant is v8). */
export function platformMatches(p: Platform | undefined, want: Platform): boolean {
  const variant = p?.variant ?? (p?.architecture === 'arm64' ? 'v8' : undefined);
  return p?.os === want.os && p?.architecture === want.architecture && (!want.variant || variant === want.variant);
}

/** `os/arch[/variant]` as `--platform` takes it, or an error naming the form. */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/i.test(p)))
    throw new Error(`--platform ${text}: expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8`);
  return {os: parts[0]!, architecture: parts[1]!, ...(parts[2] ? {variant: parts[2]} : {})};
}

/** The manifest of an index for a platform: the exact match, else the first manifest with no platform. */
export function pickManifest(manifests: readonly Descriptor[], want: Platform = hostPlatform()): Descriptor | undefined {
  return manifests.find((m) => platformMatches(m.platform, want)) ?? manifests.find((m) => !m.platform) ?? manifests[0];
}
