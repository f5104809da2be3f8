// Placeholder until the tool lands; replaced by the tool's real definition.
import { defineTool } from '../../core/tool.js';
import { NetdxError } from '../../core/errors.js';

export default defineTool({
  name: 'nstat',
  layer: 'socket',
  summary: 'not written yet',
  options: {},
  async run() {
    throw new NetdxError('E_UNSUPPORTED', 'running nstat: not written yet');
  },
});
