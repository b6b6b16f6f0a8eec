// `docker volume inspect` of every volume (a fixture's answers) and `layerscope volumes --json`, in
// one form: the fields both give, sorted by name, mountpoints moved from where the root was
// extracted to where it was captured.
export interface VolumeRow {
  Name: string;
  Driver: string;
  Labels: unknown;
  Options: unknown;
  Scope: string;
  Mountpoint: string;
}

export function volumeRows(list: VolumeRow[], extracted: string, captured: string): VolumeRow[] {
  return list
    .map((v) => ({
      Name: v.Name,
      Driver: v.Driver,
      Labels: v.Labels,
      Options: v.Options,
      Scope: v.Scope,
      Mountpoint: v.Mountpoint.replace(extracted, captured),
    }))
    .sort((a, b) => a.Name.localeCompare(b.Name));
}
