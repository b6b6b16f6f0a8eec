// `layerscope commit CONTAINER NAME[:TAG]`: the writable layer becomes a new image layer, the way
// `docker commit` does it — the layer's tar (whiteouts and opaque marks in their tar form) is
// registered on top of the container's image, and the config gets a history entry whose created_by
// is the container's CMD. The container is left as it is.
import {Readable} from 'node:stream';
import {EngineRoot} from './engine-root.js';
import {containerLayers} from './container.js';
import {EMPTY_TAR_DIGEST, layerTarChunks, writeLayerTar} from './layer-tar.js';
import {goTime} from './layout-json.js';
import {registerLayerFromTar} from './layout.js';
import {
  DOCKER_VERSION,
  imageChainId,
  readImageConfig,
  serializeImageConfig,
  storeImageConfig,
  tagImage,
  type ContainerConfig,
  type ImageConfig,
} from './layout-image.js';

export interface CommitOptions {
  root: string;
  container: string;
  /** NAME[:TAG]; untagged when omitted */
  ref?: string;
  /** history comment (docker commit -m) */
  comment?: string;
  author?: string;
}

export async function commit(o: CommitOptions): Promise<{id: string; diffId?: string}> {
  const engine = await EngineRoot.open(o.root);
  const {container, upper, layerDir} = containerLayers(engine.root, o.container);
  engine.assertNotMounted(layerDir, `container ${o.container}`);
  const {id: parentId, config: parent} = await readImageConfig(o.root, container.imageId);
  const containerConfig = container.config as unknown as ContainerConfig;
  // An unchanged container commits an empty layer: Docker records it in history only.
  const {diffId} = await writeLayerTar(upper);
  return engine.transaction(async (txn) => {
    const layer = diffId === EMPTY_TAR_DIGEST ? undefined : await registerLayerFromTar(txn, imageChainId(parent), Readable.from(layerTarChunks(upper)), diffId);
    const created = goTime();
    const img: ImageConfig = {
      architecture: parent.architecture,
      author: o.author,
      comment: o.comment,
      config: containerConfig,
      container: container.id,
      container_config: containerConfig,
      created,
      docker_version: DOCKER_VERSION,
      history: [
        ...parent.history,
        {created, author: o.author, comment: o.comment, created_by: (containerConfig.Cmd ?? []).join(' '), empty_layer: layer ? undefined : true},
      ],
      os: parent.os,
      rootfs: {type: 'layers', diff_ids: [...parent.rootfs.diff_ids, ...(layer ? [layer.diffId] : [])]},
    };
    const id = await storeImageConfig(txn, serializeImageConfig(img), {parent: parentId, lastUpdated: true});
    if (o.ref) await tagImage(engine.root, o.ref, id);
    return {id, diffId: layer?.diffId};
  });
}
