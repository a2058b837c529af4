"""Demo 数字科创 data for ``kexie seed``: enterprises with valid credit codes, technology needs in every status,
dispatches to the provincial societies whose disciplines fit (点菜 / 科协报到) and the service records of last
year and this year — deterministic from the seed.

- 14 enterprises in twelve cities, registered with unified social credit codes that pass GB 32100 (and whose
  organisation code part carries a valid GB 11714 check character); 12 verified, 2 waiting for verification.
  ``demo-company`` (企业用户) acts for 江淮精工齿轮有限公司 (34 通用设备制造业, 澜州市).
- 34 needs written from the enterprises' industries (gear transmission, rare-earth motors, copper, tea, bamboo,
  TCM, aviation parts, VR, pharma, lightweight vehicles, IoT instruments, foundry, agriculture, environment):
  drafts, submitted (awaiting review), returned, rejected, published, 对接中 with waiting dispatches (one
  overdue and escalated to the association above), 已对接 with service teams, solved and rated.
- Dispatches go to the societies named for each need, in order, that exist at the scale (a tiny province has
  only the first 24 societies), else to societies of the industry's disciplines; service teams are senior
  members of the society. Everything goes through ``kexie.innovation.services`` with the system as actor (or
  the demo enterprise user for its own enterprise); timestamps are moved into the past afterwards so that the
  history reads as it happened and the service records fall into last year and this year.

Waiting dispatches that are not overdue have long answer windows (20 days) so that nothing seeded becomes due
while the test suite runs its own escalation checks.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kexie.accounts.models import User
from kexie.core.services import SYSTEM
from kexie.core.validators import uscc_check_char, validate_uscc
from kexie.demo.accounts import PASSWORD
from kexie.demo.data.orgs import SOCIETIES
from kexie.innovation.data.industries import DIVISION_DISCIPLINES
from kexie.innovation.models import Dispatch, Enterprise, Need, NeedEvent, ServiceRecord
from kexie.innovation.needs import dispatches, services
from kexie.innovation.needs import enterprises as enterprise_services
from kexie.members.models import Membership
from kexie.orgs.models import Organisation, Region
from kexie.people.models import Person

COMPANY_USER = ("demo-company", "企业用户")
GOOD_STANDING = ("new", "current", "grace")
SOCIETY_DISCIPLINE = dict(SOCIETIES)
SENIORITY = {"senior": 0, "vice_senior": 1, "middle": 2, "junior": 3, "": 4}
WAIT_DAYS = 20  # answer window of the waiting (not overdue) dispatches
OVERDUE_DAYS = 5

# key, name, region (city code + county number), industry, address, contact, verified
ENTERPRISES: list[tuple[str, str, str, str, str, str, bool]] = [
    ("gear", "江淮精工齿轮有限公司", "990101", "34", "澜州市澜湖区青石路188号", "王建国", True),
    ("motor", "澜州稀土永磁电机有限公司", "990102", "38", "澜州市清川区铜山路66号", "刘海峰", True),
    ("copper", "云岫铜业股份有限公司", "990201", "32", "云岫市岫山区冶金大道1号", "陈立新", True),
    ("tea", "云栖云雾茶业有限公司", "990202", "15", "云岫市云栖区茶山路9号", "李春芽", True),
    ("bamboo", "桐溪竹业科技有限公司", "990701", "20", "桐溪市溪桥区翠竹路32号", "周文竹", True),
    ("tcm", "澄湖本草中药饮片有限公司", "990301", "27", "澄湖市澄波区百草路18号", "孙志远", True),
    ("aero", "枫渡航空零部件有限公司", "990401", "37", "枫渡市枫林区航空产业园8号", "赵卫东", True),
    ("vr", "望淮幻境虚拟现实科技有限公司", "990501", "65", "望淮市望淮区数字经济产业园3栋", "吴思远", True),
    ("pharma", "鹤汀生物制药有限公司", "990601", "27", "鹤汀市鹤鸣区生物医药产业园12号", "郑晓梅", True),
    ("auto", "芦川汽车轻量化科技有限公司", "990801", "36", "芦川市芦荻区汽车零部件产业园5号", "黄振宇", True),
    ("meter", "雁岭智能仪表有限公司", "990901", "40", "雁岭市雁鸣区传感谷16号", "何永明", True),
    ("farm", "柘湾生态农业开发有限公司", "991101", "01", "柘湾市湾东区稻香路2号", "冯丰收", True),
    ("foundry", "泓阳精密铸造有限公司", "991001", "33", "泓阳市泓川区铸造园区7号", "许铁成", False),
    ("env", "栖梧环境科技有限公司", "991201", "77", "栖梧市栖凤区环保产业园21号", "蒋清源", False),
]

# Plans, outcomes and ratings of the services, per society in the order dispatched:
# ("wait",) | ("decline", reason) | ("accept", plan) | ("done", plan, outcome) | ("rate", plan, outcome, stars, comment)
NEEDS: list[dict[str, Any]] = [
    # ---- 江淮精工齿轮 (demo-company) --------------------------------------------------------------
    dict(ent="gear", title="风电增速箱齿轮磨削烧伤检测与工艺优化", industry="34", kind="research", budget="60",
         description="公司为风电增速箱配套大模数硬齿面齿轮，成形磨齿后酸洗抽检发现约3%的齿面存在回火烧伤，"
                     "导致早期点蚀。需要建立在线或快速无损的烧伤检测方法（如巴克豪森噪声），并优化磨削用量和"
                     "冷却方案，目标烧伤率降至0.3%以下，不降低磨齿效率。",
         societies=["机械工程学会", "金属学会", "物理学会"], anchor=("completed", "last"),
         services=[("rate", "组织磨削与热处理专家3人入企诊断，采集磨削参数和砂轮修整数据，开展巴克豪森噪声检测"
                            "比对试验，提出分段进给与冷却液喷嘴改造方案。",
                    "引入巴克豪森噪声在线抽检，优化粗精磨进给量和冷却液流量，烧伤率由3.1%降至0.2%，"
                    "单件磨齿时间基本不变。", 5, "专家团队专业，方案落地快，效果超出预期。")],
         solved="烧伤率稳定在0.3%以下，已通过整机厂二方审核，检测方法写入公司工艺规程。"),
    dict(ent="gear", title="RV减速器摆线轮修形与啮合噪声诊断", industry="34", kind="research", budget="45",
         description="工业机器人RV减速器样机在额定转速下噪声达72 dB(A)，传动误差波动较大。希望借助专家力量"
                     "完成摆线轮齿廓修形设计、装配误差分析和噪声源识别，目标噪声降至65 dB(A)以下。",
         societies=["振动工程学会", "机械工程学会", "声学学会"], anchor=("completed", 3),
         services=[("done", "振动与声学专家联合组队：先做噪声与振动频谱测试定位主要激励源，再进行摆线轮修形量"
                            "仿真优化，最后小批试制验证。",
                    "完成噪声源识别（摆线轮啮合频率及其倍频为主）和修形方案，试制样机噪声降至64.5 dB(A)，"
                    "传动误差峰峰值降低约30%。")]),
    dict(ent="gear", title="多品种小批量齿轮生产排产优化", industry="34", kind="research", budget="30",
         description="公司齿轮产品规格超过600种，单批量多在50件以下，滚齿、热处理、磨齿三道瓶颈工序换型频繁，"
                     "订单准时交付率仅78%。希望建立考虑换型时间和热处理装炉约束的排产模型，并与现有MES对接，"
                     "目标准时交付率提升到92%以上。",
         societies=["数学学会", "运筹学会"], anchor=("dispatched", 2), respond_days=WAIT_DAYS,
         note="需求涉及车间调研和数据梳理，给予20天响应期限。", services=[("wait",), ("wait",)]),
    dict(ent="gear", title="齿轮箱体铸件缩松缺陷分析", industry="34", kind="research", budget="",
         description="减速机箱体（HT250）轴承座部位加工后发现缩松，废品率约5%，初步怀疑与浇冒口设计有关。"
                     "（草稿，待补充铸件图纸和工艺参数）",
         societies=[], stage="draft", anchor=("created", 4)),
    dict(ent="gear", title="渗碳淬火热处理变形控制人才培训", industry="34", kind="training", budget="8",
         description="面向公司热处理车间30名技术员和班组长，开展渗碳淬火变形机理和控制方法培训。",
         societies=[], stage="returned", anchor=("created", 12),
         reason="请补充培训对象的岗位构成、培训时间安排和考核要求后重新提交。"),
    # ---- 澜州稀土永磁电机 ----------------------------------------------------------------------------
    dict(ent="motor", title="驱动电机用钕铁硼磁体晶界扩散减镝工艺", industry="38", kind="research", budget="120",
         description="新能源汽车驱动电机磁钢需在180 ℃下工作，目前靠添加约4%重稀土镝保证矫顽力，成本高且"
                     "资源受限。希望与专家合作开发晶界扩散工艺，在矫顽力不低于25 kOe的前提下将镝用量降低一半。",
         societies=["有色金属学会", "电机工程学会", "物理学会", "真空学会"], anchor=("completed", "this"),
         services=[("rate", "组织稀土磁性材料专家开展扩散源配方和热处理制度正交试验，并提供磁性能检测支持。",
                    "确定Tb/Dy复合扩散源涂覆与两段回火工艺，重稀土用量下降52%，矫顽力达到25.8 kOe。",
                    5, "材料专家扎实细致，试验设计非常有针对性。"),
                   ("rate", "组织电机专家对减镝磁钢开展电机级温升与退磁校核，评估批量应用风险。",
                    "完成3台样机180 ℃高温退磁考核，反电势衰减小于1%，满足整车厂技术协议。",
                    4, "校核工作及时，建议今后加强过程沟通。")],
         solved="减镝磁钢已通过整车厂PPAP认可，预计每年节约重稀土成本约900万元。"),
    dict(ent="motor", title="永磁同步电机高温退磁风险评估", industry="38", kind="evaluation", budget="25",
         description="电动工程机械用永磁同步电机在持续重载工况下转子温度可达160 ℃，需评估极端工况下磁钢"
                     "不可逆退磁风险，并给出冷却结构与弱磁控制的改进建议。",
         societies=["电机工程学会", "电工技术学会", "物理学会"], anchor=("dispatched", 28),
         services=[("accept", "组建电机电磁设计与热管理专家团队，采用电磁-热耦合仿真评估退磁风险，并到试验台"
                              "现场复核温升数据。")]),
    dict(ent="motor", title="电机定子绕组自动嵌线装备研制", industry="38", kind="research", budget="80",
         description="扁线电机定子发卡成形与插线目前以半自动为主，节拍约4分钟/台。需要联合研制自动插线与"
                     "扭头装备，节拍缩短到90秒/台以内，绝缘破损率低于0.1%。",
         societies=[], stage="submitted", anchor=("created", 3)),
    # ---- 云岫铜业 --------------------------------------------------------------------------------------
    dict(ent="copper", title="铜冶炼烟气余热回收系统优化", industry="32", kind="research", budget="150",
         description="闪速炉烟气出口温度约1300 ℃，现有余热锅炉积灰结焦严重，蒸汽产量较设计值低18%。"
                     "希望优化锅炉清灰方式和受热面布置，提高余热回收率并延长检修周期。",
         societies=["有色金属学会", "工程热物理学会", "声学学会", "化学会"], anchor=("completed", "last"),
         services=[("rate", "组织冶金热能专家团队进行烟气成分与积灰形貌分析，建立锅炉传热模型，提出声波吹灰和"
                            "受热面改造方案。",
                    "改造后余热锅炉蒸汽产量提高14%，检修周期由3个月延长至5个月。",
                    5, "专家对现场情况把握准确，改造方案投入小见效快。")],
         solved="年增发电约1100万千瓦时，项目已纳入公司节能技改台账。"),
    dict(ent="copper", title="铜阳极泥中稀贵金属综合回收技术评价", industry="32", kind="evaluation", budget="20",
         description="公司拟引进湿法处理铜阳极泥回收金、银、硒、碲的新工艺，需要对技术成熟度、经济性和"
                     "环保风险进行第三方评价，为投资决策提供依据。",
         societies=["有色金属学会", "化学会"], anchor=("created", 9)),
    dict(ent="copper", title="企业上市辅导与融资对接", industry="32", kind="consulting", budget="",
         description="公司计划三年内在主板上市，希望科协协助对接券商和投资机构，提供上市辅导。",
         societies=[], stage="closed", anchor=("created", 36),
         reason="该需求属于金融服务，不在科协科技服务范围内，建议联系地方金融服务中心。"),
    # ---- 云栖云雾茶业 -------------------------------------------------------------------------------
    dict(ent="tea", title="云雾绿茶机械化揉捻品质提升", industry="15", kind="research", budget="18",
         description="公司名优绿茶由手工揉捻改为机械揉捻后，成茶条索松散、碎茶率升高约8个百分点。需要优化"
                     "杀青、揉捻的温度、压力和时间参数，使机制茶外形和滋味接近手工茶水平。",
         societies=["茶叶学会", "园艺学会", "植物学会"], anchor=("completed", "last"),
         services=[("rate", "组织茶叶加工专家在春茶季驻厂，分批开展杀青温度、揉捻加压方式对比试验，并组织感官"
                            "审评。",
                    "形成“轻-重-轻”分段加压揉捻工艺，碎茶率下降6.5个百分点，机制茶审评得分提高4.2分。",
                    5, "专家驻厂指导，工人一学就会。")],
         solved="新工艺已在公司两条生产线推广，春茶优质品率提高约20%。"),
    dict(ent="tea", title="茶园病虫害绿色防控技术培训", industry="15", kind="training", budget="6",
         description="公司自有及合作茶园约8000亩，茶小绿叶蝉、茶尺蠖危害较重。希望组织专家为茶农开展"
                     "绿色防控（色板诱杀、天敌保护、生物农药）技术培训，减少化学农药使用。",
         societies=["植物保护学会", "昆虫学会", "茶叶学会", "动物学会", "植物学会"], anchor=("completed", "this"),
         services=[("rate", "组织植保专家开展“田间课堂”培训4场，现场示范色板和杀虫灯布设，发放技术手册。",
                    "累计培训茶农320人次，示范区化学农药使用量下降35%，茶叶农残检测全部合格。",
                    5, "讲得通俗，茶农愿意听、用得上。")],
         solved="绿色防控技术已覆盖公司合作茶园6000亩。"),
    dict(ent="tea", title="夏秋茶资源综合利用（茶多酚提取）", industry="15", kind="transfer", budget="",
         description="夏秋茶利用率低，希望引进茶多酚、茶氨酸提取成果，开发深加工产品。",
         societies=[], stage="draft", anchor=("created", 20)),
    # ---- 桐溪竹业 ---------------------------------------------------------------------------------------
    dict(ent="bamboo", title="重组竹材防霉防开裂工艺", industry="20", kind="research", budget="35",
         description="公司户外重组竹地板在南方潮湿地区使用一年后出现霉变和表面开裂，客户投诉增加。需要研究"
                     "热处理、浸渍胶和表面涂装的综合改进方案，满足户外使用5年不开裂、不霉变的要求。",
         societies=["林学会", "材料研究学会", "化学会"], anchor=("completed", "last"),
         services=[("rate", "组织木材科学与胶黏剂专家开展竹材高温热改性和低醛浸渍胶配方试验，并进行人工加速"
                            "老化测试。",
                    "采用200 ℃饱和蒸汽热处理结合改性酚醛浸渍，加速老化1000小时后无开裂、防霉等级达0级。",
                    4, "技术效果好，但试验周期比预期长了一个月。")],
         solved="改进产品已批量供货，户外产品客户投诉率下降80%。"),
    dict(ent="bamboo", title="竹缠绕复合管道成果转化对接", industry="20", kind="transfer", budget="200",
         description="公司拟建设竹缠绕复合压力管道生产线，用于农田灌溉和城镇排水。希望对接相关科研成果及"
                     "专家团队，完成中试放大，解决内衬层渗漏和环刚度离散的问题。",
         societies=["林学会", "复合材料学会", "力学学会"], anchor=("dispatched", 9), respond_days=OVERDUE_DAYS,
         services=[("wait",)]),
    # ---- 澄湖本草中药饮片 -----------------------------------------------------------------------------
    dict(ent="tcm", title="道地药材澄湖白芍饮片炮制工艺标准化", industry="27", kind="research", budget="40",
         description="白芍饮片的煮制和干燥工序依赖老师傅经验，批间芍药苷含量波动达±20%。需要研究关键炮制"
                     "参数与质量指标的关系，制定企业炮制工艺规范和内控标准。",
         societies=["中医药学会", "药学会", "分析测试协会"], anchor=("completed", "this"),
         services=[("rate", "组织中药炮制与质量分析专家开展炮制工艺单因素和响应面试验，建立芍药苷、芍药内酯苷"
                            "含量测定方法。",
                    "确定煮制时间、切片厚度和干燥温度三项关键参数，批间芍药苷含量波动缩小到±6%，形成企业"
                    "炮制规范1项。", 5, "把老师傅的经验变成了数据，非常有价值。")],
         solved="炮制规范已备案，产品通过省药监局飞行检查。"),
    dict(ent="tcm", title="中药配方颗粒质量标准与特征图谱研究", industry="27", kind="evaluation", budget="55",
         description="公司计划申报12个中药配方颗粒品种的省级标准，需要开展标准汤剂制备、特征图谱和含量测定"
                     "方法学研究，并评价颗粒与饮片的质量一致性。",
         societies=["药学会", "分析测试协会", "化学会"], anchor=("completed", 22), confidentiality="matched",
         services=[("rate", "组织药物分析专家开展6个品种的特征图谱方法学研究和验证。",
                    "完成6个品种特征图谱和含量测定方法学验证，方法重复性RSD均小于2%。",
                    5, "方法学研究规范，资料可直接用于申报。"),
                   ("accept", "组织中药质量标准专家开展其余6个品种的标准汤剂制备和量值传递研究。")]),
    dict(ent="tcm", title="中药材种植基地连作障碍治理", industry="27", kind="research", budget="30",
         description="白芍种植基地连续种植后出现根腐病加重、产量下降约25%的问题，希望研究土壤微生态调控和"
                     "轮作模式，恢复基地产能。",
         societies=[], stage="submitted", anchor=("created", 2)),
    # ---- 枫渡航空零部件 -------------------------------------------------------------------------------
    dict(ent="aero", title="航空发动机叶片榫头喷丸强化参数优化", industry="37", kind="research", budget="90",
         description="压气机叶片榫头喷丸后残余压应力层深度离散较大，个别批次疲劳试验寿命不达标。需要优化"
                     "喷丸强度、覆盖率和弹丸规格，并建立残余应力检测与工艺窗口控制方法。",
         societies=["航空学会", "机械工程学会", "力学学会", "振动工程学会"], anchor=("completed", "last"),
         services=[("rate", "组织航空制造工艺专家开展喷丸参数正交试验和X射线残余应力测试。",
                    "确定喷丸强度0.20–0.25 mmA、覆盖率200%的工艺窗口，残余压应力层深度离散降低60%。",
                    5, "专家熟悉适航要求，方案可直接用于工艺更改申请。"),
                   ("rate", "组织疲劳强度专家开展叶片高周疲劳试验设计与数据分析。",
                    "完成3批次共36件叶片振动疲劳试验，中值疲劳强度提高12%，分散性明显减小。",
                    4, "试验数据分析透彻，报告交付略有延迟。")],
         solved="新喷丸工艺已通过主机厂工艺评审并批产应用。"),
    dict(ent="aero", title="民机零部件适航取证咨询", industry="37", kind="consulting", budget="15",
         description="公司首次承接民用飞机舱门作动筒支架的转包生产，需要了解零部件制造符合性检查和"
                     "适航审定的流程、文件体系要求。",
         societies=["航空学会", "系统工程学会"], anchor=("created", 7)),
    # ---- 望淮幻境虚拟现实 ---------------------------------------------------------------------------------
    dict(ent="vr", title="VR实训系统眩晕度评价与优化", industry="65", kind="evaluation", budget="25",
         description="公司VR高空作业实训系统在试点院校使用时，约三成学员出现明显眩晕。需要建立眩晕度主客观"
                     "评价方法，找出帧率、视场角和运动方式等主要影响因素，提出优化方案。",
         societies=["图象图形学学会", "心理学会", "人工智能学会", "工业与应用数学学会"],
         anchor=("completed", "this"),
         services=[("rate", "组织图形学与人因工程专家设计眩晕度评价实验（SSQ量表+生理指标），分析渲染延迟与"
                            "运动方式的影响。",
                    "建立眩晕度评价指标体系，通过注视点渲染和传送式移动优化，重度眩晕比例由31%降至7%。",
                    5, "评价方法科学，优化建议很实用。")],
         solved="优化版本已在5所职业院校部署，学员满意度达到93%。"),
    dict(ent="vr", title="面向职业教育的VR焊接实训内容开发", industry="65", kind="training", budget="40",
         description="计划开发VR焊接实训课程（焊条电弧焊、CO₂气体保护焊），需要焊接工艺专家提供操作规范、"
                     "缺陷案例和评分标准，并参与力反馈手柄的手感调校。",
         societies=["焊接学会", "计算机学会", "物理学会", "工业与应用数学学会"], anchor=("dispatched", 4),
         respond_days=WAIT_DAYS,
         services=[("decline", "本学会近期承担全省焊工技能大赛命题工作，暂无专家可参与，建议另行派单。"),
                   ("wait",)]),
    # ---- 鹤汀生物制药 -------------------------------------------------------------------------------
    dict(ent="pharma", title="抗体药物细胞培养工艺放大", industry="27", kind="research", budget="180",
         description="单抗药物CHO细胞培养从200 L放大到2000 L生物反应器后，表达量下降约20%，糖型分布也有"
                     "变化。需要分析溶氧、剪切力和二氧化碳分压等放大参数，制定放大策略。",
         societies=["药学会", "生物工程学会", "生物化学与分子生物学学会"], anchor=("completed", "last"),
         services=[("rate", "组织生物工艺专家团队开展缩小模型试验和计算流体力学模拟，比较不同放大准则。",
                    "采用恒定kLa与分段补料策略，2000 L规模表达量恢复至3.6 g/L，糖型分布与小试一致。",
                    5, "专家经验丰富，帮助企业少走了弯路。")],
         solved="放大工艺已完成3批工艺验证，进入临床样品生产阶段。"),
    dict(ent="pharma", title="原料药杂质谱研究与控制策略", industry="27", kind="research", budget="50",
         description="某仿制原料药需按ICH Q3A开展杂质谱研究，部分未知杂质结构不明。",
         societies=[], stage="returned", anchor=("created", 8),
         reason="请补充目标杂质的限度要求、现有检测方法和已掌握的杂质信息。"),
    dict(ent="pharma", title="无菌制剂车间智能化改造规划", industry="27", kind="planning", budget="30",
         description="公司冻干粉针车间拟进行数字化、智能化改造，需要专家协助编制改造规划，覆盖设备联网、"
                     "环境监测、批记录电子化和数据完整性要求。",
         societies=["自动化学会", "系统工程学会"], anchor=("dispatched", 6),
         services=[("decline", "本学会暂无医药洁净车间与GMP数据完整性方面的专家，建议改派药学会。")]),
    # ---- 芦川汽车轻量化 ---------------------------------------------------------------------------------
    dict(ent="auto", title="新能源汽车电池包壳体碳纤维复合材料轻量化设计", industry="36", kind="research",
         budget="150",
         description="现有铝合金电池包上壳体重18 kg，整车厂要求减重30%以上，并满足IP67密封、底部球击和"
                     "阻燃要求。需要完成碳纤维/玻纤混杂复合材料结构设计、成型工艺选择和验证。",
         societies=["复合材料学会", "汽车工程学会", "力学学会", "材料研究学会", "物理学会"],
         anchor=("completed", "this"),
         services=[("rate", "组织复合材料专家开展铺层设计和SMC/HP-RTM成型工艺比选，进行结构仿真。",
                    "完成混杂铺层上壳体设计，减重36%，样件通过球击和阻燃试验。",
                    5, "设计方案与工艺结合紧密，一次试制成功。"),
                   ("rate", "组织汽车安全专家开展电池包系统级挤压、振动和浸水试验方案设计。",
                    "协助完成GB 38031规定的系统级试验，全部项目一次通过。",
                    5, "对标准理解透彻，节省了大量试验成本。")],
         solved="复合材料电池包上壳体已随新车型量产，年配套5万套。"),
    dict(ent="auto", title="铝合金副车架低压铸造缺陷控制", industry="36", kind="research", budget="70",
         description="A356铝合金副车架低压铸造件X光检测气孔、缩松超标，综合废品率12%。需要进行充型凝固"
                     "模拟、模具温度场优化和工艺参数调整，目标废品率降到4%以内。",
         societies=["铸造学会", "汽车工程学会", "力学学会", "岩石力学与工程学会"], anchor=("dispatched", 1),
         respond_days=WAIT_DAYS, services=[("wait",)]),
    # ---- 雁岭智能仪表 -------------------------------------------------------------------------------
    dict(ent="meter", title="智能水表NB-IoT低功耗通信优化", industry="40", kind="research", budget="45",
         description="NB-IoT智能水表在地下室、表井等弱覆盖场景下重传频繁，电池寿命仅4年，达不到6年设计"
                     "要求。需要优化天线设计、上报策略和功耗管理。",
         societies=["通信学会", "电子学会", "物理学会", "数学学会"], anchor=("completed", "last"),
         services=[("rate", "组织无线通信专家开展弱覆盖场景实测和天线匹配优化，调整PSM/eDRX参数。",
                    "天线效率提升3 dB，弱覆盖场景一次上报成功率由82%提高到97%。",
                    5, "现场实测扎实，问题定位准确。"),
                   ("rate", "组织专家建立上报策略与电池寿命的数学模型，优化数据压缩和批量上报方案。",
                    "优化后平均日功耗降低41%，按模型推算电池寿命可达7.2年。",
                    3, "模型推算有参考价值，但希望尽快补充长期实测验证。")],
         solved="优化固件已批量升级12万台水表，返修率下降60%。"),
    dict(ent="meter", title="工业现场压力变送器温漂补偿算法", industry="40", kind="research", budget="35",
         description="扩散硅压力变送器在-40～85 ℃范围内零点温漂达0.5%FS，需要建立多项式或神经网络补偿"
                     "模型，补偿后全温区综合误差不大于0.1%FS，算法需能在低功耗单片机上运行。",
         societies=["数学学会", "仪器仪表学会", "计量测试学会", "分析测试协会"], anchor=("dispatched", 35),
         services=[("accept", "组织应用数学专家建立温度-压力二维补偿模型，比较分段多项式与小型神经网络的精度和"
                              "运算量，提供单片机定点化实现方案。"),
                   ("accept", "组织计量专家设计全温区标定试验方案，协助搭建高低温标定装置。")]),
    dict(ent="meter", title="物联网燃气表远程阀控安全性评估", industry="40", kind="evaluation", budget="12",
         description="远程关阀指令的防误动、防篡改设计需要第三方评估。（草稿）",
         societies=[], stage="draft", anchor=("created", 6)),
    # ---- 柘湾生态农业 -------------------------------------------------------------------------------
    dict(ent="farm", title="畜禽养殖废水厌氧发酵沼液资源化利用", industry="01", kind="research", budget="60",
         description="公司生猪养殖场年产沼液约3万吨，周边消纳土地不足，存在环境风险。需要研究沼液浓缩、"
                     "水肥一体化还田技术，实现就地资源化利用。",
         societies=["环境科学学会", "畜牧兽医学会", "土壤肥料学会", "微生物学会", "化学会"],
         anchor=("completed", "last"),
         services=[("rate", "组织环境工程专家开展沼液膜浓缩中试，设计沼液还田管网和水肥一体化方案。",
                    "建成沼液浓缩及水肥一体化示范工程，沼液就地消纳率达到95%，周边水体监测全部达标。",
                    4, "方案务实，建议后续加强运维培训。")],
         solved="示范工程通过市生态环境局验收，年减少化肥使用约120吨。"),
    dict(ent="farm", title="高标准农田土壤酸化改良", industry="01", kind="research", budget="25",
         description="公司流转的3000亩稻田土壤pH普遍低于5.5，部分地块镉含量接近风险筛选值。希望制定"
                     "酸化改良与安全利用方案。",
         societies=[], stage="submitted", anchor=("created", 1)),
    # ---- 科协代录（无企业）-----------------------------------------------------------------------------
    dict(ent=None, owner="991201", title="化工园区挥发性有机物排放监测与治理规划", industry="77", kind="planning",
         budget="80",
         description="栖梧化工园区有化工企业42家，VOCs无组织排放问题突出。园区管委会委托科协组织专家编制"
                     "园区VOCs监测网络建设和分类治理规划。",
         societies=["环境科学学会", "化工学会", "化学会", "气象学会"], anchor=("dispatched", 18),
         services=[("accept", "组织大气环境和化工安全专家开展园区企业现场排查，建立VOCs排放清单，编制监测网络与"
                              "分类治理规划。")]),
]


@dataclass
class Plan:
    """When each step of one need happened, in days before now (all steps strictly in order)."""

    created: float
    steps: dict[str, float] = field(default_factory=dict)


def _org_code(rng: random.Random) -> str:
    """Nine characters of a GB 11714 organisation code: eight digits and the check character."""
    body = f"{rng.randint(10_000_000, 99_999_999)}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    c = 11 - sum(int(ch) * w for ch, w in zip(body, weights, strict=True)) % 11
    return body + ("X" if c == 10 else "0" if c == 11 else str(c))


def _uscc(rng: random.Random, region_code: str) -> str:
    """91 (工商, 企业) + the region + the organisation code + the GB 32100 check character."""
    first17 = "91" + region_code[:6] + _org_code(rng)
    code = first17 + uscc_check_char(first17)
    validate_uscc(code)
    return code


def _company_user() -> User:
    username, display = COMPANY_USER
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, display_name=display)
        user.set_password(PASSWORD)
        user.save()
    return user


def _societies() -> dict[str, Organisation]:
    """Province-level societies by their short name (without the province prefix), with at least two members."""
    root = Organisation.objects.filter(depth=1).order_by("path").first()
    prefix = (root.name.removesuffix("科学技术协会") if root else "")
    orgs = list(Organisation.objects.alive().filter(kind__code="society", depth=2).select_related("kind")
                .order_by("path"))
    out = {}
    for org in orgs:
        out[org.name.removeprefix(prefix)] = org
    return out


class Teams:
    """Service teams from a society's members in good standing, seniors first, spreading the work."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.pools: dict[int, list[int]] = {}
        self.used: dict[int, int] = {}

    def pool(self, society: Organisation) -> list[int]:
        if society.pk not in self.pools:
            rows = (Membership.objects.filter(society=society, deleted_at__isnull=True, status__in=GOOD_STANDING,
                                              person__deleted_at__isnull=True)
                    .order_by("person_id").values_list("person_id", "person__title_level"))
            seen: dict[int, str] = {}
            for pid, level in rows:
                seen.setdefault(pid, level or "")
            self.pools[society.pk] = sorted(seen, key=lambda p: (SENIORITY.get(seen[p], 4), p))[:12]
        return self.pools[society.pk]

    def pick(self, society: Organisation) -> tuple[Person, list[Person]]:
        pool = self.pool(society)
        size = min(len(pool), self.rng.choice((2, 3, 3, 4)))
        fresh = sorted(pool, key=lambda p: (self.used.get(p, 0), pool.index(p)))
        chosen = sorted(fresh[:size], key=pool.index)
        for p in chosen:
            self.used[p] = self.used.get(p, 0) + 1
        people = {p.pk: p for p in Person.objects.filter(pk__in=chosen)}
        team = [people[p] for p in chosen]
        return team[0], team


def _choose(spec: dict[str, Any], societies: dict[str, Organisation], teams: Teams, rng: random.Random,
            n: int) -> list[Organisation]:
    """The first ``n`` named societies present (with members), else societies of the industry's disciplines,
    else any society with members."""
    chosen: list[Organisation] = []

    def add(org: Organisation | None) -> None:
        if org is not None and org not in chosen and len(chosen) < n and len(teams.pool(org)) >= 2:
            chosen.append(org)

    for name in spec["societies"]:
        add(societies.get(name))
    codes = DIVISION_DISCIPLINES.get(spec["industry"], [])
    for name, org in societies.items():
        if SOCIETY_DISCIPLINE.get(name) in codes:
            add(org)
    rest = list(societies.values())
    rng.shuffle(rest)
    for org in rest:
        add(org)
    return chosen


def _year_ago(today: dt.date, which: str, rng: random.Random) -> float:
    """Days before today of a completion in last year (March–November) or this year (up to a week ago)."""
    if which == "last":
        day = dt.date(today.year - 1, rng.randint(3, 11), rng.randint(1, 28))
        return float((today - day).days) + rng.uniform(0.2, 0.8)
    start = dt.date(today.year, 1, 1)
    span = (today - start).days
    return rng.uniform(min(8.0, span * 0.9), max(min(8.0, span * 0.9) + 0.1, span - 1.0)) + 0.3


def _plan(spec: dict[str, Any], rng: random.Random, today: dt.date) -> Plan:
    """Durations first, then the whole history moved so that its anchor step lands where the spec says."""
    u = rng.uniform
    stage = spec.get("stage", "open")
    t: dict[str, float] = {"created": 0.0}  # days after creation
    if stage != "draft":
        t["submitted"] = u(0.1, 1.5)
    if stage in ("returned", "closed", "open"):
        t["reviewed"] = t["submitted"] + u(1.0, 3.0)
    if stage == "open" and spec.get("services"):
        t["dispatched"] = t["reviewed"] + u(0.5, 2.0)
        for i, service in enumerate(spec["services"]):
            action = service[0]
            if action == "wait":
                continue
            t[f"responded{i}"] = t["dispatched"] + u(1.0, 3.5)
            if action in ("done", "rate"):
                t[f"completed{i}"] = t[f"responded{i}"] + u(25.0, 70.0)
            if action == "rate":
                t[f"rated{i}"] = t[f"completed{i}"] + u(1.0, 5.0)
        if spec.get("solved"):
            t["solved"] = max(v for k, v in t.items() if k.startswith("rated")) + u(1.0, 6.0)
    kind, where = spec["anchor"]
    step = {"created": "created", "dispatched": "dispatched", "completed": "completed0"}[kind]
    anchor_ago = _year_ago(today, where, rng) if isinstance(where, str) else float(where) + u(0.1, 0.6)
    if step not in t:
        step = "created"
    created = anchor_ago + t[step]
    steps = {k: created - v for k, v in t.items()}
    # Nothing in the future, order kept: the latest step at least an hour ago.
    latest = min(steps.values())
    if latest < 0.05:
        shift = 0.05 - latest
        steps = {k: v + shift for k, v in steps.items()}
    return Plan(created=steps["created"], steps=steps)


def seed_innovation(gen: Any, log: Any = print) -> dict[str, int]:
    today: dt.date = gen.today
    rng = random.Random(f"innovation-{gen.seed}")
    with transaction.atomic():
        out = _seed(rng, today)
        out |= _platforms(rng, today)
    log(f"  数字科创：企业 {out['enterprises']} 家（待核验 {out['pending']} 家），技术需求 {out['needs']} 项，"
        f"派单 {out['dispatches']} 单（超期督办 {out['escalated']} 单），服务记录 {out['service_records']} 条"
        f"（学会 {out['service_societies']} 个、专家 {out['service_experts']} 位），工作站 {out['stations']} 个，"
        f"科技成果 {out['achievements']} 项，揭榜挂帅 {out['challenges']} 项")
    return out


def _seed(rng: random.Random, today: dt.date) -> dict[str, int]:
    now = timezone.now()
    at = lambda ago: now - dt.timedelta(days=ago)  # noqa: E731
    company_user = _company_user()
    plans = [(_plan(spec, rng, today), spec) for spec in NEEDS]
    first_need: dict[str, float] = {}
    for plan, spec in plans:
        if spec["ent"]:
            first_need[spec["ent"]] = max(first_need.get(spec["ent"], 0.0), plan.created)

    enterprises: dict[str, Enterprise] = {}
    for key, name, region, industry, address, contact, verified in ENTERPRISES:
        phone = f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
        ent = enterprise_services.register_enterprise(company_user if key == "gear" else None, name=name,
                                                      uscc=_uscc(rng, region), contact_name=contact,
                                                      contact_phone=phone, industry=industry, region_code=region,
                                                      address=address)
        registered = first_need.get(key, 0.0) + rng.uniform(20.0, 120.0) if verified else rng.uniform(0.5, 4.0)
        if verified:
            enterprise_services.verify_enterprise(SYSTEM, ent, "verify")
            Enterprise.objects.filter(pk=ent.pk).update(created_at=at(registered),
                                                        verified_at=at(registered - rng.uniform(0.5, 3.0)))
        else:
            Enterprise.objects.filter(pk=ent.pk).update(created_at=at(registered))
        enterprises[key] = ent

    societies = _societies()
    teams = Teams(rng)
    per_year: dict[int, int] = {}
    counts = {"dispatches": 0}
    for plan, spec in sorted(plans, key=lambda p: -p[0].created):
        _need(spec, plan, enterprises, company_user, societies, teams, rng, at, per_year, counts)

    escalated = dispatches.escalate_overdue()
    requested = _city_request()
    records = ServiceRecord.objects.all()
    return {
        "dispatch_requests": requested,
        "enterprises": len(enterprises),
        "pending": sum(1 for e in ENTERPRISES if not e[6]),
        "needs": len(NEEDS),
        "dispatches": counts["dispatches"],
        "escalated": escalated["escalated"],
        "service_records": records.count(),
        "service_societies": records.values("society_id").distinct().count(),
        "service_experts": records.exclude(expert=None).values("expert_id").distinct().count(),
    }


# Why city A asks the province (decision 0043): its county's need fits a provincial society outside its scope.
REQUEST_NOTE = "该需求涉及精密传动与制造工艺，本市没有对口学会，请省科协派给省级学会，请在 10 日内答复企业。"


def _city_request() -> int:
    """City A's staff ask the province to dispatch one of their counties' needs to a provincial society: the
    request waits on the province's desk (待确认的派单请求) and on city A's (等待他人)."""
    user = User.objects.filter(username="demo-city-a").first()
    if user is None:
        return 0
    needs = Need.objects.for_user(user, "innovation.change").alive().filter(
        status__in=("published", "matching")).order_by("pk")
    for need in needs:
        done = set(need.dispatches.values_list("society_id", flat=True))
        target = next((o for o in dispatches.requestable_targets(user, need).order_by("path")[:50]
                       if o.pk not in done), None)
        if target is not None:
            dispatches.request_dispatch(user, need, [target], respond_days=10, note=REQUEST_NOTE)
            return 1
    return 0


def _need(spec: dict[str, Any], plan: Plan, enterprises: dict[str, Enterprise], company_user: User,
          societies: dict[str, Organisation], teams: Teams, rng: random.Random, at: Any,
          per_year: dict[int, int], counts: dict[str, int]) -> None:
    steps = plan.steps
    ent = enterprises.get(spec["ent"]) if spec["ent"] else None
    actor = company_user if spec["ent"] == "gear" else SYSTEM  # the demo enterprise user acts for its own company
    values = {k: spec[k] for k in ("title", "description", "industry", "kind", "budget")}
    values["confidentiality"] = spec.get("confidentiality", "public")
    if ent is not None:
        values["region"] = ent.region.code if ent.region else ""
    stage = spec.get("stage", "open")
    open_deadline = stage != "open" or not any(s[0] == "rate" for s in spec.get("services", []))
    if open_deadline and stage != "draft":
        values["deadline"] = (timezone.localdate() + dt.timedelta(days=rng.randint(90, 300))).isoformat()
    if actor is not SYSTEM:
        need = services.create_need(actor, **values)
    elif ent is not None:
        need = services.create_need(SYSTEM, owner=ent.host, enterprise=ent, **values)
    else:
        region = Region.objects.get(code=spec["owner"])
        owner = enterprise_services.host_for(region)
        values["region"] = region.code
        need = services.create_need(SYSTEM, owner=owner, **values)
    created_at = at(steps["created"])
    year = timezone.localtime(created_at).year
    if year != timezone.localdate().year:  # a need of last year keeps last year's number
        per_year[year] = per_year.get(year, 0) + 1
        Need.objects.filter(pk=need.pk).update(code=f"XQ{year}{per_year[year]:05d}")
    stamps = [steps["created"]]
    if stage != "draft":
        services.submit_need(actor, need)
        stamps.append(steps["submitted"])
    if stage == "returned":
        services.review_need(SYSTEM, need, "return", spec["reason"])
    elif stage == "closed":
        services.review_need(SYSTEM, need, "reject", spec["reason"])
    elif stage == "open":
        services.review_need(SYSTEM, need, "approve")
    if "reviewed" in steps:
        stamps.append(steps["reviewed"])

    made: list[Dispatch] = []
    service_list = spec.get("services", [])
    if service_list:
        chosen = _choose(spec, societies, teams, rng, len(service_list))
        days = spec.get("respond_days", dispatches.RESPOND_DAYS)
        made = dispatches.dispatch(SYSTEM, need, chosen, respond_days=days, note=spec.get("note", ""))
        counts["dispatches"] += len(made)
        stamps.append(steps["dispatched"])
        dispatched = at(steps["dispatched"])
        for d in made:
            Dispatch.objects.filter(pk=d.pk).update(dispatched_at=dispatched,
                                                    respond_by=dispatched + dt.timedelta(days=days))
        for i, (d, service) in enumerate(zip(made, service_list, strict=True)):
            action = service[0]
            if action == "decline":
                dispatches.respond(SYSTEM, d, accept=False, reason=service[1])
            elif action in ("accept", "done", "rate"):
                leader, team = teams.pick(d.society)
                dispatches.respond(SYSTEM, d, accept=True, leader=leader, team=team, plan=service[1])
            else:
                continue
            stamps.append(steps[f"responded{i}"])
            Dispatch.objects.filter(pk=d.pk).update(responded_at=at(steps[f"responded{i}"]))
        for i, (d, service) in enumerate(zip(made, service_list, strict=True)):
            if service[0] in ("done", "rate"):
                dispatches.complete(SYSTEM, d, service[2])
                stamps.append(steps[f"completed{i}"])
                Dispatch.objects.filter(pk=d.pk).update(completed_at=at(steps[f"completed{i}"]))
        for i, (d, service) in enumerate(zip(made, service_list, strict=True)):
            if service[0] == "rate":
                dispatches.rate(actor, d, service[3], service[4])  # served_on: the (moved) completion day
                stamps.append(steps[f"rated{i}"])
                Dispatch.objects.filter(pk=d.pk).update(rated_at=at(steps[f"rated{i}"]))
                ServiceRecord.objects.filter(dispatch=d).update(created_at=at(steps[f"rated{i}"]))
        if spec.get("solved"):
            services.solve(actor, need, spec["solved"])
            stamps.append(steps["solved"])

    # The history as it happened: one event per service call, in call order.
    events = list(NeedEvent.objects.filter(need=need).order_by("id").values_list("id", flat=True))
    assert len(events) == len(stamps), (spec["title"], len(events), len(stamps))
    for event_id, ago in zip(events, stamps, strict=True):
        NeedEvent.objects.filter(pk=event_id).update(at=at(ago))
    fields: dict[str, Any] = {"created_at": created_at, "updated_at": at(min(stamps))}
    if "submitted" in steps:
        fields["submitted_at"] = at(steps["submitted"])
    if stage == "open":
        fields["published_at"] = at(steps["reviewed"])
    if stage == "closed":
        fields["closed_at"] = at(steps["reviewed"])
    if "solved" in steps:
        fields["closed_at"] = at(steps["solved"])
    if not open_deadline:  # a need of the past wanted its solution some months after it was posted
        fields["deadline"] = (created_at + dt.timedelta(days=rng.randint(150, 300))).date()
    Need.objects.filter(pk=need.pk).update(**fields)


STATIONS = [
    ("academician", "江淮精工齿轮院士工作站", "江淮精工齿轮有限公司", ("齿轮", "传动", "机械")),
    ("expert", "稀土永磁电机专家工作站", "澜州稀土电机有限公司", ("电机", "磁", "电气")),
    ("society", "茶叶学会服务站", "云岫高山茶业合作社", ("茶", "植物", "农")),
    ("haizhi", "复合材料海智工作站", "江淮轻量化材料有限公司", ("复合材料", "材料", "纤维")),
]
ACHIEVEMENTS = [
    ("低噪声齿轮齿廓修形技术", "通过齿廓与齿向修形并配合磨齿工艺优化，使减速机齿轮啮合噪声降低 5–8 dB，已在两家企业中试。",
     "pilot", "licence", "34", ["460"]),
    ("高矫顽力钕铁硼晶界扩散工艺", "采用重稀土晶界扩散，在重稀土用量减少 40% 的情况下保持高矫顽力，适用于新能源汽车驱动电机。",
     "small_batch", "assignment", "32", ["430", "450"]),
    ("名优绿茶清洁化连续加工生产线", "杀青、揉捻、干燥连续化，能耗降低 20%，产品一致性显著提高。",
     "industrial", "service", "13", ["210", "550"]),
    ("竹纤维增强可降解复合材料", "以竹纤维为增强体的可降解复合材料，可用于一次性餐具和包装，力学性能达到同类石油基产品水平。",
     "pilot_small", "joint", "20", ["430", "220"]),
    ("基于物联网的设备健康监测系统", "低功耗无线传感与边缘计算结合，实现关键设备振动、温度的在线监测与故障预警。",
     "industrial", "licence", "40", ["510", "520"]),
]


def _platforms(rng: random.Random, today: dt.date) -> dict[str, int]:
    """Workstations (点火) with residents and last year's results, achievements on the marketplace and an open
    challenge (揭榜挂帅) taken from a published need."""
    from kexie.innovation.challenges import services as challenges
    from kexie.innovation.market import services as market
    from kexie.innovation.models import Enterprise, Need, NeedStatus
    from kexie.innovation.stations import services as stations

    root = Organisation.objects.filter(depth=1).order_by("path").first()
    assert root is not None
    enterprises = {e.name: e for e in Enterprise.objects.all()}
    made = 0
    for kind, name, host, words in STATIONS:
        start = today.replace(year=today.year - 2, month=3, day=1)
        st = stations.create_station(SYSTEM, owner=root, kind=kind, name=name, host_name=host,
                                     host_enterprise=enterprises.get(host), agreement_start=start,
                                     agreement_end=start.replace(year=start.year + 5))
        q = Q()
        for w in words:
            q |= Q(expertise__icontains=w)
        experts = list(Person.objects.filter(q, deleted_at__isnull=True, title_level="senior")
                       .order_by("pk")[:40])
        for p in sorted(rng.sample(experts, min(len(experts), rng.randint(2, 4))), key=lambda p: p.pk):
            stations.add_resident(SYSTEM, st, p, role="首席专家" if not st.residents.exists() else "进站专家",
                                  joined_on=start)
        for year in (today.year - 2, today.year - 1):
            stations.record_year(SYSTEM, st, year, projects=rng.randint(2, 8), patents=rng.randint(0, 6),
                                 trained=rng.randint(3, 20), revenue=rng.randint(200, 5000))
        made += 1
    achievements = 0
    for title, description, maturity, mode, industry, discs in ACHIEVEMENTS:
        ach = market.create_achievement(SYSTEM, root, title=title, description=description, maturity=maturity,
                                        transfer_mode=mode, industry=industry, holder_org="省内高校与科研院所",
                                        holders=[], patents=[])
        ach.disciplines = discs
        ach.save(update_fields=["disciplines"])
        market.publish_achievement(SYSTEM, ach)
        achievements += 1
    need = Need.objects.filter(status=NeedStatus.PUBLISHED).order_by("pk").first()
    n_challenges = 0
    if need is not None:
        ch = challenges.create_challenge(SYSTEM, need=need, bounty=300, apply_by=today + dt.timedelta(days=45))
        challenges.publish(SYSTEM, ch)
        n_challenges = 1
    return {"stations": made, "achievements": achievements, "challenges": n_challenges}
