"""The workflow diagrams in docs/workflows/ are generated from the transitions (`make workflows`): a committed
diagram that differs from what the code generates now fails here, so they cannot go stale."""
from hangqifu.workflows import diagrams
from vouchers.models import Order


def test_the_committed_diagrams_are_what_the_transitions_generate():
    stale = diagrams.stale_files()
    assert not stale, "流程图与状态机定义不一致，请运行 make workflows 并提交：" + "、".join(p.name for p in stale)


def test_a_diagram_shows_the_chinese_states_and_every_transition_with_who_and_conditions():
    page = diagrams.diagram(Order, Order._meta.get_field("state"))
    assert 'state "已签约<br/>signed" as signed' in page
    assert "signed --> completed : complete（确认服务完成） · order_provider · 条件 buyer_letter_stamped" in page
    assert "[*] --> signed" in page and "deducted --> [*]" in page


def test_an_edited_or_orphaned_diagram_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(diagrams, "DIAGRAM_DIR", tmp_path)
    monkeypatch.setattr(diagrams, "INDEX", tmp_path / "README.md")
    diagrams.write()
    assert diagrams.stale_files() == []
    edited = tmp_path / "vouchers-order.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("已签约", "已签署"), encoding="utf-8")
    orphan = tmp_path / "vouchers-gone.md"
    orphan.write_text("# 旧流程\n", encoding="utf-8")
    assert diagrams.stale_files() == sorted([edited, orphan])
