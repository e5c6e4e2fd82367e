import { setup } from './redis-global';

export default setup;
