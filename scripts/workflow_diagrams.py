"""`make workflows`: regenerate the workflow diagrams in docs/workflows/ from the transitions of the models."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hangqifu.settings.local")

import django  # noqa: E402

django.setup()

from hangqifu.workflows.diagrams import write  # noqa: E402

changed = write()
for path in changed:
    print(f"已更新 {path}")
print(f"流程图已是最新（{len(changed)} 个文件有变化）")
