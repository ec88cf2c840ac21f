export { HeadQueue } from './head-queue';
export { sleep } from './sleep';
