// Preloaded (NODE_OPTIONS=--import) into a CLI process to run it as on a clone whose `npm ci`
// could not build zstd-napi: the package is not found (the CLI loads it with require).
import Module from 'node:module';

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'zstd-napi' || request.startsWith('zstd-napi/')) {
    throw Object.assign(new Error(`Cannot find module '${request}'`), {code: 'MODULE_NOT_FOUND'});
  }
  return resolve.call(this, request, ...rest);
};
