/** The page's shell: reads the route from the address, renders its page, and follows in-page links. */

import { h } from './dom.js';
import { clustersPage, type PageContext, tasksPage } from './pages.js';
import { routeOf } from './router.js';
import { taskPage } from './task-page.js';

const root = document.getElementById('app') ?? document.body;
let current: AbortController | undefined;

const context: PageContext = {
  navigate: (href) => {
    history.pushState(null, '', href);
    void render();
  },
  setTitle: (title) => {
    document.title = `${title} · tracer`;
  },
};

async function render(): Promise<void> {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  delete root.dataset.firstScreen;
  delete root.dataset.trace;
  delete root.dataset.firstScreenMs;
  delete root.dataset.traceCompleteMs;
  const route = routeOf(location.pathname);
  const query = new URLSearchParams(location.search);
  switch (route.page) {
    case 'clusters':
      return clustersPage(root, context);
    case 'tasks':
      return tasksPage(root, context, route.cluster, query);
    case 'task':
      return taskPage(root, context, route.cluster, route.task, query, controller.signal);
    case 'not-found':
      root.replaceChildren(
        h('h1', {}, 'Not found'),
        h('p', {}, 'The page serves /ui/, /ui/clusters/{cluster} and /ui/clusters/{cluster}/tasks/{task}.'),
      );
  }
}

window.addEventListener('popstate', () => void render());
void render();
