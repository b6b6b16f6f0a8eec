// Changing a container's files for the demo. As root this is the copy-on-write view, exactly as the
// kernel would write the layer. Without root the kernel's whiteouts (character devices) and opaque
// marks (trusted.* xattrs) cannot be made, so deletions become OCI `.wh.<name>` files and replaced
// directories get a `.wh..wh..opq` file — the forms a layer tar uses, which the reader also reads.
import {lstatSync, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {join, posix} from 'node:path';
import {WH_OPAQUE, whiteoutOf} from '../docker/whiteout.js';
import {containerLayers} from './container.js';
import {CowView} from './cow.js';
import {applyFsOp} from './fs-op.js';

export class DemoChanges {
  readonly view: CowView;
  readonly #upper: string;
  readonly #lowers: string[];
  readonly #oci: boolean;

  constructor(root: string, container: string, oci: boolean) {
    const {upper, lowers} = containerLayers(root, container);
    this.view = new CowView({upper, lowers});
    this.#upper = upper;
    this.#lowers = lowers;
    this.#oci = oci;
  }

  op(...argv: string[]): void {
    applyFsOp(this.view, argv);
  }

  write(path: string, text: string): void {
    this.view.writeFile(path, text);
  }

  append(path: string, text: string): void {
    this.view.appendFile(path, text);
  }

  remove(path: string): void {
    if (!this.#oci) return this.view.rm(path, {recursive: true});
    this.view.lstat(path); // ENOENT as the view would say it
    const parent = posix.dirname(path);
    this.#copyUp(parent);
    rmSync(join(this.#upper, path), {recursive: true, force: true});
    if (this.#lowers.some((l) => lstatSync(join(l, path), {throwIfNoEntry: false})))
      writeFileSync(join(this.#upper, parent, whiteoutOf(posix.basename(path))), '');
  }

  /** rm -r DIR && mkdir DIR: the new directory hides everything the lower layers had there (opaque). */
  replaceDir(path: string): void {
    this.remove(path);
    if (!this.#oci) return this.view.mkdir(path);
    rmSync(join(this.#upper, posix.dirname(path), whiteoutOf(posix.basename(path))), {force: true});
    mkdirSync(join(this.#upper, path), {mode: 0o755});
    writeFileSync(join(this.#upper, path, WH_OPAQUE), '');
  }

  /** mv of a directory from a lower layer: overlayfs (no redirect_dir) makes mv(1) copy it and remove the original. */
  moveDir(from: string, to: string): void {
    if (!this.#oci) return this.op('mv', from, to);
    const copy = (src: string, dest: string): void => {
      const st = this.view.lstat(src);
      if (st.isDirectory()) {
        this.view.mkdir(dest);
        for (const name of this.view.readdir(src)) copy(posix.join(src, name), posix.join(dest, name));
      } else if (st.isSymbolicLink()) this.view.symlink(this.view.readlink(src), dest);
      else this.view.writeFile(dest, this.view.readFile(src));
      if (!st.isSymbolicLink()) this.view.chmod(dest, st.mode & 0o7777);
    };
    copy(from, to);
    this.remove(from);
  }

  /** Copy a directory up by setting the mode it already has (the view copies up what it changes). */
  #copyUp(dir: string): void {
    this.view.chmod(dir, this.view.stat(dir).mode & 0o7777);
  }
}
