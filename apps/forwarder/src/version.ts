// Webpack inlines the JSON, so the built app needs no package.json beside it.
import pkg from '../../../package.json';

export const version: string = pkg.version;
