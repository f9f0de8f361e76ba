import { autocompletion } from '@codemirror/autocomplete';
import { yaml } from '@codemirror/lang-yaml';
import { forceLinting, lintGutter, linter, type Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { EditorState, type Text } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import type { Diagnostic } from '../api/types';
import { schemaCompletion, schemaHover } from './schema';

/** Where a diagnostic's line and column are in the document, underlined to the end of the word. */
export function toRange(doc: Text, line: number, column: number): { from: number; to: number } {
  const l = doc.line(Math.min(Math.max(1, line), doc.lines));
  const from = Math.min(l.from + Math.max(0, column - 1), l.to);
  const rest = doc.sliceString(from, l.to);
  const word = /^[^\s,{}\[\]#]*/.exec(rest)?.[0].length ?? 0;
  return { from, to: Math.max(from + Math.min(word, rest.length), Math.min(from + 1, l.to)) };
}

export interface YamlEditorOptions {
  readonly parent: HTMLElement;
  readonly text: string;
  readonly file: () => string;
  readonly readOnly: boolean;
  readonly onChange: (text: string) => void;
  /** The diagnostics of this file for the given text, from the service's validator. */
  readonly lint: (text: string) => Promise<readonly Diagnostic[]>;
  readonly onSave: () => void;
}

/**
 * The rule file editor: CodeMirror 6 with YAML, inline diagnostics from the service (the same
 * validator as `ratecard validate`) as you type, completion and hover help from the rules' JSON
 * Schema, and Mod-S to save.
 */
export function createYamlEditor(o: YamlEditorOptions): EditorView {
  const lintSource = async (view: EditorView): Promise<CmDiagnostic[]> => {
    const text = view.state.doc.toString();
    const found = await o.lint(text);
    // The document may have changed while the service answered; CodeMirror maps or re-runs.
    const doc = view.state.doc;
    return found.map((d) => {
      const { from, to } = d.location ? toRange(doc, d.location.line, d.location.column) : { from: 0, to: Math.min(1, doc.length) };
      return { from, to, severity: d.severity, source: d.code, message: `${d.message}${d.hint ? `\nhint: ${d.hint}` : ''}` };
    });
  };
  return new EditorView({
    parent: o.parent,
    state: EditorState.create({
      doc: o.text,
      extensions: [
        basicSetup,
        yaml(),
        EditorState.tabSize.of(2),
        EditorState.readOnly.of(o.readOnly),
        EditorView.editable.of(!o.readOnly),
        keymap.of([
          {
            key: 'Mod-s',
            preventDefault: true,
            run: () => {
              o.onSave();
              return true;
            },
          },
        ]),
        linter(lintSource, { delay: 350 }),
        lintGutter(),
        autocompletion({ override: [schemaCompletion(o.file)] }),
        schemaHover(o.file),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) o.onChange(u.state.doc.toString());
        }),
        // tabindex: the text can be reached and scrolled from the keyboard, read-only too.
        EditorView.contentAttributes.of({ 'aria-label': `Rule file ${o.file()}`, 'aria-describedby': 'editor-help', tabindex: '0' }),
      ],
    }),
  });
}

/** Runs the linter now (after another file changed, its diagnostics may have too). */
export function relint(view: EditorView): void {
  forceLinting(view);
}
