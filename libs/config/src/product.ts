// Webpack inlines the JSON, so the built apps need no package.json beside them.
import pkg from '../../../package.json';

/** The product's name, as in User-Agent and client ids. */
export const PRODUCT = 'kafka-http-gateway';
export const VERSION: string = pkg.version;
