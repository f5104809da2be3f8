// Until the doctor issue lands, `netdx doctor` runs the checks that exist: what this kernel
// allows (check). It is the README's first command, so it must always work.
import { defineTool } from '../../core/tool.js';
import check from '../check/cli.js';

export default defineTool({
  name: 'doctor',
  layer: 'overview',
  summary: 'sample the host, find what is wrong layer by layer, say what to change',
  options: {},
  async run(opts, ctx) {
    ctx.out.write('netdx doctor: the layer-by-layer diagnosis is not written yet; running the checks that exist.\n\n');
    return check.run(opts, ctx);
  },
});
