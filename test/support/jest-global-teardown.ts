import { teardown } from './redis-global';

export default teardown;
