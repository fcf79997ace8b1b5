import { strict as assert } from 'node:assert';
import {
  figureHtml, htmlFallbackWriter, liveTraining, NotebookDisplay, type DisplayMessage, type Figure, type FigureMode,
} from '../lib/viz';

const PLOTLY = 'application/vnd.plotly.v1+json';
const figure = (title: string): Figure => ({ data: [{ type: 'scatter', x: [1, 2], y: [3, 4] }], layout: { title: { text: title } } });

/** A stand-in for headless Chromium: the figure's title as an SVG, or nothing (no browser here). */
const fakeSvg = (f: Figure) => `<svg><text>${(f.layout.title as { text: string }).text}</text></svg>`;

function recorder(figures: FigureMode = 'interactive', browser = true) {
  const sent: { message: DisplayMessage; update: boolean }[] = [];
  const drawStatic = (fs: Figure[]) => (browser ? fs.map(fakeSvg) : undefined);
  return { sent, display: new NotebookDisplay((message, update) => sent.push({ message, update }), { figures, drawStatic }) };
}

describe('notebook display', () => {
  it('sends plotly.js once, then each figure as one bundle: plotly JSON as an object, HTML holding the static image, the SVG and text', () => {
    const { sent, display } = recorder();
    display.figure(figure('first'));
    display.figure(figure('second'));
    assert.equal(sent.length, 3);
    const loader = sent[0].message.data['text/html'] as string;
    assert.ok(loader.startsWith('<script>') && loader.includes('window.Plotly') && loader.length > 1_000_000, 'plotly.js inlined');
    for (const [i, title] of [[1, 'first'], [2, 'second']] as const) {
      const { data, transient } = sent[i].message;
      assert.deepEqual(Object.keys(data), [PLOTLY, 'text/html', 'image/svg+xml', 'text/plain']);
      assert.deepEqual(data[PLOTLY], { ...figure(title), config: { responsive: true } });
      assert.equal(data['image/svg+xml'], fakeSvg(figure(title)));
      const html = data['text/html'] as string;
      assert.match(html, /Plotly\.newPlot\(el, fig\.data, fig\.layout/);
      const image = Buffer.from(fakeSvg(figure(title))).toString('base64');
      assert.ok(html.includes(`class="figure"><img alt="${title}" src="data:image/svg+xml;base64,${image}"></div>`), 'the image sits in the figure div');
      assert.ok((data['text/html'] as string).includes(`"text":"${title}"`));
      assert.equal(data['text/plain'], `<plotly figure: ${title}>`);
      assert.deepEqual(transient, {});
      assert.equal(sent[i].update, false);
    }
  });

  it('a live output replaces its figure in place under one display id', () => {
    const { sent, display } = recorder();
    const live = display.live();
    live.figure(figure('a'));
    live.figure(figure('b'));
    const shown = sent.filter((s) => PLOTLY in s.message.data);
    assert.deepEqual(shown.map((s) => s.update), [false, true]);
    const ids = shown.map((s) => s.message.transient.display_id);
    assert.ok(ids[0] && ids[0] === ids[1]);
    assert.equal(sent.length, 3, 'plotly.js is not resent with the update');
    assert.ok(shown.every((s) => !('image/svg+xml' in s.message.data)), 'no image of a figure redrawn every second');
  });

  it('in static mode sends no plotly.js, and a live output only its settled states, each with its image', () => {
    const { sent, display } = recorder('static');
    display.figure(figure('a'));
    const live = display.live();
    live.figure(figure('training'));
    live.figure(figure('stage done'), true);
    assert.deepEqual(sent.map((s) => s.message.data['text/plain']), ['<plotly figure: a>', '<plotly figure: stage done>']);
    assert.ok(sent.every((s) => s.message.data['image/svg+xml'] && !(s.message.data['text/html'] as string).includes('plotly.js v')));
  });

  it('refuses static mode without a browser to draw the images, and no browser leaves interactive figures without one', () => {
    assert.throws(() => recorder('static', false).display.figure(figure('a')), /PARAMDIFF_FIGURES=static\) need headless Chromium/);
    const { sent, display } = recorder('interactive', false);
    display.figure(figure('a'));
    assert.deepEqual(Object.keys(sent[1].message.data), [PLOTLY, 'text/html', 'text/plain']);
  });

  it('shows an arquero table with its caption as HTML and markdown', async () => {
    const aq = await import('arquero');
    const { sent, display } = recorder();
    display.table(aq.from([{ setting: 'K = 10', best: 97.5 }]), 'K <ablation>');
    const { data } = sent[0].message;
    assert.match(data['text/html'] as string, /^<p><b>K &lt;ablation&gt;<\/b><\/p>\n<table>/);
    assert.match(data['text/html'] as string, /<td[^>]*>97.5<\/td>/);
    assert.match(data['text/plain'] as string, /^K <ablation>\n\|setting\|best\|/);
  });

  it('falls back to tslab display.html, one newDisplay per display id', () => {
    const shown: string[] = [];
    let created = 0;
    const target = (name: string) => ({ html: (s: string) => shown.push(`${name}:${s}`) });
    const write = htmlFallbackWriter({ display: target('display'), newDisplay: () => target(`new${++created}`) });
    write({ data: { 'text/html': '<b>x</b>' }, metadata: {}, transient: {} }, false);
    write({ data: { 'text/html': 'v1' }, metadata: {}, transient: { display_id: 'id' } }, false);
    write({ data: { 'text/html': 'v2' }, metadata: {}, transient: { display_id: 'id' } }, true);
    assert.deepEqual(shown, ['display:<b>x</b>', 'new1:v1', 'new1:v2']);
  });

  it('figure HTML cannot close its script early', () => {
    const html = figureHtml('f1', figure('</script><script>alert(1)</script>'));
    assert.equal(html.match(/<\/script>/g)?.length, 1);
    assert.ok(html.includes('\\u003c/script>'));
  });
});

describe('live training curves', () => {
  it('draw each stage\'s losses, redraw at the stage\'s last step, and start afresh when a stage restarts', () => {
    const { sent, display } = recorder();
    const progress = liveTraining('run', { minIntervalMs: 1e9, display });
    const figures = () => sent.filter((s) => PLOTLY in s.message.data).map((s) => s.message.data[PLOTLY] as Figure);
    progress('sample', 5, 5, {}); // no loss yet (stages reloaded from disk): nothing to draw
    assert.equal(figures().length, 0);
    progress('autoencoder', 1, 3, { loss: 0.9 }); // first call draws
    progress('autoencoder', 2, 3, { loss: 0.5 }); // throttled
    progress('autoencoder', 3, 3, { loss: 0.25 }); // last step draws
    progress('diffusion', 1, 2, { loss: 1 });
    progress('diffusion', 2, 2, { loss: 0.5 });
    let drawn = figures();
    assert.equal(drawn.length, 3);
    const last = drawn[2];
    assert.deepEqual(last.data.map((t) => [t.name, t.x, t.y]), [['autoencoder', [1, 2, 3], [0.9, 0.5, 0.25]], ['diffusion', [1, 2], [1, 0.5]]]);
    assert.match((last.layout.title as { text: string }).text, /^run<br><sub>diffusion 2\/2 \(100%\) · loss 0\.5000/);

    progress('autoencoder', 1, 2, { loss: 0.7 }); // the next variant: a fresh autoencoder curve
    progress('autoencoder', 2, 2, { loss: 0.6 });
    drawn = figures();
    const curves = Object.fromEntries(drawn[drawn.length - 1].data.map((t) => [t.name, t.y]));
    assert.deepEqual(curves, { diffusion: [1, 0.5], autoencoder: [0.7, 0.6] });
    assert.ok(sent.slice(2).every((s) => s.update), 'one output, updated in place');
  });
});
