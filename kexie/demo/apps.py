from kexie.core.registry import KexieAppConfig


class DemoConfig(KexieAppConfig):
    name = "kexie.demo"
    label = "demo"
    verbose_name = "演示数据"
