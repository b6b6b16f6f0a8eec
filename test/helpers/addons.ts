// Why a test that needs an optional native addon skips: undefined when the addon is there. A clone
// whose `npm ci` could not build them (no C++ toolchain, no network to nodejs.org) has neither.
import {zstdSupport} from '../../source/store/decompress.js';
import {xattrSupport} from '../../source/store/xattr-native.js';

/** Reading or writing xattrs, which the engine needs to write any layer. */
export const noXattr = xattrSupport() ? undefined : 'the fs-xattr native addon is not installed';

/** Reading zstd-compressed layers. */
export const noZstd = zstdSupport() ? undefined : 'the zstd-napi native addon is not installed';

/** A test title with the reason it skips, as the other skipped tests name theirs. */
export const titled = (title: string, reason: string | undefined): string => (reason ? `${title} (skipped: ${reason})` : title);
