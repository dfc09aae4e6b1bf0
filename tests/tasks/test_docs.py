"""The README's task table is the one generated from the task objects."""

from pathlib import Path

from isabench.tasks.docs import markdown_table

README = Path(__file__).parents[2] / "README.md"


def test_readme_task_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- task-table:start")
    body = text[text.index("\n", start) + 1 : text.index("<!-- task-table:end -->")]
    assert body == markdown_table(), "regenerate with isabench.tasks.docs.markdown_table()"
