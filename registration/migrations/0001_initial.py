"""Registration and qualification move out of the vouchers app: the models are created in this app's state only;
their tables stay the vouchers_* tables they always were (Meta.db_table), untouched."""
import django.db.models.deletion
import django.db.models.expressions
import django_fsm
import hangqifu.core.clock
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('vouchers', '0011_fund_guard_off_hot_row'),
        ('accounts', '0004_credit_code_claims'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='AboveScaleEntry',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveIntegerField(verbose_name='升规年度')),
                    ('credit_code', models.CharField(max_length=18, verbose_name='统一社会信用代码')),
                    ('name', models.CharField(blank=True, max_length=200, verbose_name='企业名称')),
                    ('imported_at', models.DateTimeField(auto_now=True, verbose_name='导入时间')),
                ],
                options={
                    'verbose_name': '新升规工业企业',
                    'verbose_name_plural': '新升规工业企业名单',
                    'db_table': 'vouchers_abovescaleentry',
                    'ordering': ['-year', 'credit_code'],
                    'constraints': [models.UniqueConstraint(fields=('year', 'credit_code'), name='above_scale_unique')],
                },
            ),
            migrations.CreateModel(
                name='CreditListEntry',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('list_kind', models.CharField(choices=[('severe_dishonesty', '严重失信主体名单'), ('judgment_defaulter', '失信被执行人名单')], max_length=30, verbose_name='名单')),
                    ('credit_code', models.CharField(db_index=True, max_length=18, verbose_name='统一社会信用代码')),
                    ('name', models.CharField(blank=True, max_length=200, verbose_name='名称')),
                    ('listed_on', models.DateField(verbose_name='列入日期')),
                    ('removed_on', models.DateField(blank=True, null=True, verbose_name='移出日期')),
                    ('source', models.CharField(blank=True, max_length=200, verbose_name='来源')),
                    ('imported_at', models.DateTimeField(default=hangqifu.core.clock.now, verbose_name='首次导入时间')),
                ],
                options={
                    'verbose_name': '失信名单条目',
                    'verbose_name_plural': '失信名单',
                    'db_table': 'vouchers_creditlistentry',
                    'ordering': ['list_kind', 'credit_code'],
                    'constraints': [models.UniqueConstraint(fields=('list_kind', 'credit_code', 'listed_on'), name='credit_list_entry_unique')],
                },
            ),
            migrations.CreateModel(
                name='CreditDelisting',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('removed_on', models.DateField(verbose_name='移出日期')),
                    ('reason', models.TextField(verbose_name='信用修复说明')),
                    ('recorded_at', models.DateTimeField(verbose_name='登记时间')),
                    ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
                    ('entry', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='delistings', to='registration.creditlistentry', verbose_name='名单条目')),
                ],
                options={
                    'verbose_name': '信用修复（移出名单）',
                    'verbose_name_plural': '信用修复（移出名单）',
                    'db_table': 'vouchers_creditdelisting',
                    'ordering': ['-recorded_at', '-id'],
                },
            ),
            migrations.CreateModel(
                name='ParkRecognition',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('credit_code', models.CharField(db_index=True, max_length=18, verbose_name='运营主体统一社会信用代码')),
                    ('operator_name', models.CharField(blank=True, max_length=200, verbose_name='运营主体名称')),
                    ('park_name', models.CharField(max_length=200, verbose_name='园区名称')),
                    ('star_level', models.CharField(blank=True, max_length=20, verbose_name='星级')),
                    ('recognised_on', models.DateField(verbose_name='认定日期')),
                    ('valid_until', models.DateField(verbose_name='有效期至')),
                    ('imported_at', models.DateTimeField(auto_now=True, verbose_name='导入时间')),
                ],
                options={
                    'verbose_name': '小微企业园认定',
                    'verbose_name_plural': '小微企业园认定名单',
                    'db_table': 'vouchers_parkrecognition',
                    'ordering': ['park_name'],
                    'constraints': [models.UniqueConstraint(fields=('credit_code', 'recognised_on'), name='park_recognition_unique'), models.CheckConstraint(condition=models.Q(('valid_until__gte', models.F('recognised_on'))), name='park_recognition_period')],
                },
            ),
            migrations.CreateModel(
                name='Qualification',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveIntegerField(verbose_name='年度')),
                    ('kind', models.CharField(choices=[('enterprise', '中小微企业'), ('park', '小微企业园')], max_length=20, verbose_name='主体类型')),
                    ('tier', models.CharField(choices=[('default', '基础额度'), ('tier2', '新升规/创新型中小企业额度'), ('tier3', '专精特新等额度')], default='default', max_length=10, verbose_name='额度档次')),
                    ('quota', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='年度额度（元）')),
                    ('used', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, verbose_name='已使用（元）')),
                    ('reserved', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, verbose_name='已领未用（元）')),
                    ('state', django_fsm.FSMField(choices=[('active', '有效'), ('suspended', '已暂停'), ('revoked', '已撤销')], default='active', max_length=20, protected=True, verbose_name='状态')),
                    ('suspension_cause', models.CharField(blank=True, choices=[('staff', '市工信服务中心暂停'), ('credit_list', '列入失信名单'), ('change_report', '变更报告待核查')], db_default='', default='', max_length=20, verbose_name='暂停原因类别')),
                    ('honours', models.JSONField(blank=True, default=list, verbose_name='确认的荣誉称号')),
                    ('state_reason', models.TextField(blank=True, verbose_name='状态变更理由')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='认定时间')),
                    ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                    ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='qualifications', to='accounts.organisation', verbose_name='主体')),
                ],
                options={
                    'verbose_name': '年度资格与额度',
                    'verbose_name_plural': '年度资格与额度',
                    'db_table': 'vouchers_qualification',
                    'ordering': ['-year', 'organisation_id'],
                    'permissions': [('manage_qualification', '可以暂停、撤销、恢复资格')],
                },
            ),
            migrations.CreateModel(
                name='ChangeReport',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('change_kind', models.CharField(choices=[('size_reclassification', '企业规模划型变化'), ('major_change', '经营情况重大变化')], max_length=30, verbose_name='变化类型')),
                    ('change_date', models.DateField(verbose_name='变化发生日期')),
                    ('description', models.TextField(verbose_name='变化情况说明')),
                    ('new_size_class', models.CharField(blank=True, choices=[('large', '大型企业'), ('medium', '中型企业'), ('small', '小型企业'), ('micro', '微型企业')], max_length=10, verbose_name='变化后规模')),
                    ('reported_on', models.DateField(verbose_name='报告日期')),
                    ('deadline', models.DateField(verbose_name='报告期限')),
                    ('deadline_provisional', models.BooleanField(default=False, verbose_name='期限为暂定（节假日安排未公布）')),
                    ('is_late', models.BooleanField(default=False, verbose_name='逾期报告')),
                    ('affects_eligibility', models.BooleanField(db_default=False, default=False, verbose_name='该变化可能使本单位不再符合第六条条件')),
                    ('suspended_qualification', models.BooleanField(db_default=False, default=False, verbose_name='已暂停资格待核查')),
                    ('decision', models.CharField(blank=True, choices=[('keep', '资格继续有效'), ('reinstate', '恢复资格'), ('revoke', '取消资格（已领服务券作废）')], db_default='', default='', max_length=20, verbose_name='核查决定')),
                    ('state', django_fsm.FSMField(choices=[('submitted', '已报告，待核查'), ('reviewed', '已核查')], default='submitted', max_length=20, protected=True, verbose_name='状态')),
                    ('review_opinion', models.TextField(blank=True, verbose_name='核查意见')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                    ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='change_reports', to='accounts.organisation', verbose_name='报告主体')),
                    ('reported_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='报告人')),
                    ('qualification', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='change_reports', to='registration.qualification', verbose_name='相关资格')),
                ],
                options={
                    'verbose_name': '变更报告',
                    'verbose_name_plural': '变更报告',
                    'db_table': 'vouchers_changereport',
                    'ordering': ['-id'],
                },
            ),
            migrations.CreateModel(
                name='RegistrationApplication',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveIntegerField(verbose_name='认定年度')),
                    ('purpose', models.CharField(choices=[('registration', '首次注册'), ('rereview', '年度复审')], default='registration', max_length=20, verbose_name='类别')),
                    ('state', django_fsm.FSMField(choices=[('draft', '草稿'), ('submitted', '已提交，待形式预审'), ('pre_reviewed', '预审通过，待认定'), ('approved', '已认定'), ('returned', '已退回修改'), ('rejected', '未通过')], default='draft', max_length=20, protected=True, verbose_name='状态')),
                    ('kind', models.CharField(choices=[('enterprise', '中小微企业'), ('park', '小微企业园')], max_length=20, verbose_name='主体类型')),
                    ('name', models.CharField(max_length=200, verbose_name='名称')),
                    ('credit_code', models.CharField(max_length=18, verbose_name='统一社会信用代码')),
                    ('established_on', models.DateField(blank=True, null=True, verbose_name='成立日期')),
                    ('industry', models.CharField(blank=True, choices=[('agriculture', '农、林、牧、渔业'), ('industry', '工业'), ('construction', '建筑业'), ('wholesale', '批发业'), ('retail', '零售业'), ('transport', '交通运输业'), ('warehousing', '仓储业'), ('postal', '邮政业'), ('accommodation', '住宿业'), ('catering', '餐饮业'), ('information_transmission', '信息传输业'), ('software_it', '软件和信息技术服务业'), ('real_estate_development', '房地产开发经营'), ('property_management', '物业管理'), ('leasing_business', '租赁和商务服务业'), ('other', '其他未列明行业')], max_length=40, verbose_name='所属行业（划型）')),
                    ('sector', models.CharField(blank=True, choices=[('manufacturing', '制造业'), ('digital_economy', '数字经济'), ('other', '其他')], max_length=20, verbose_name='产业领域')),
                    ('employees', models.PositiveIntegerField(blank=True, null=True, verbose_name='从业人员（人）')),
                    ('revenue', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='上年度营业收入（元）')),
                    ('total_assets', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='资产总额（元）')),
                    ('district', models.CharField(blank=True, choices=[('shangcheng', '上城区'), ('gongshu', '拱墅区'), ('xihu', '西湖区'), ('binjiang', '滨江区'), ('xiaoshan', '萧山区'), ('yuhang', '余杭区'), ('linping', '临平区'), ('qiantang', '钱塘区'), ('fuyang', '富阳区'), ('linan', '临安区'), ('tonglu', '桐庐县'), ('chunan', '淳安县'), ('jiande', '建德市')], max_length=20, verbose_name='所在区、县（市）')),
                    ('honours', models.JSONField(blank=True, default=list, verbose_name='申报荣誉称号')),
                    ('honour_evidence', models.JSONField(blank=True, default=dict, verbose_name='荣誉证明材料（称号→文件编号）')),
                    ('independent_legal_person', models.BooleanField(default=False, verbose_name='具有独立法人资格（申报）')),
                    ('contact_name', models.CharField(blank=True, max_length=50, verbose_name='联系人')),
                    ('contact_phone', models.CharField(blank=True, max_length=30, verbose_name='联系电话')),
                    ('wizard_step', models.PositiveSmallIntegerField(default=1, verbose_name='填报进度')),
                    ('size_class', models.CharField(blank=True, choices=[('large', '大型企业'), ('medium', '中型企业'), ('small', '小型企业'), ('micro', '微型企业')], max_length=10, verbose_name='企业规模（划型结果）')),
                    ('claimed_tier', models.CharField(choices=[('default', '基础额度'), ('tier2', '新升规/创新型中小企业额度'), ('tier3', '专精特新等额度')], default='default', max_length=10, verbose_name='申报额度档次')),
                    ('checklist', models.JSONField(blank=True, default=list, verbose_name='形式预审清单')),
                    ('checklist_overrides', models.JSONField(blank=True, default=dict, verbose_name='人工调整（项目→理由）')),
                    ('pre_review_opinion', models.TextField(blank=True, verbose_name='预审意见')),
                    ('decision_opinion', models.TextField(blank=True, verbose_name='审核意见')),
                    ('confirmed_honours', models.JSONField(blank=True, default=list, verbose_name='确认的荣誉称号')),
                    ('review_due_on', models.DateField(blank=True, null=True, verbose_name='审核期限')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                    ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                    ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='提交时间')),
                    ('pre_reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='预审时间')),
                    ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='决定时间')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='填报人')),
                    ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='registrations', to='accounts.organisation', verbose_name='申请主体')),
                    ('previous_qualification', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='rereviews', to='registration.qualification', verbose_name='上一年度资格')),
                ],
                options={
                    'verbose_name': '注册认定申请',
                    'verbose_name_plural': '注册认定申请',
                    'db_table': 'vouchers_registrationapplication',
                    'ordering': ['-id'],
                    'permissions': [('review_registrationapplication', '可以审核注册认定申请')],
                },
            ),
            migrations.AddField(
                model_name='qualification',
                name='registration',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='qualifications', to='registration.registrationapplication', verbose_name='认定申请'),
            ),
            migrations.CreateModel(
                name='SizeThreshold',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('industry', models.CharField(choices=[('agriculture', '农、林、牧、渔业'), ('industry', '工业'), ('construction', '建筑业'), ('wholesale', '批发业'), ('retail', '零售业'), ('transport', '交通运输业'), ('warehousing', '仓储业'), ('postal', '邮政业'), ('accommodation', '住宿业'), ('catering', '餐饮业'), ('information_transmission', '信息传输业'), ('software_it', '软件和信息技术服务业'), ('real_estate_development', '房地产开发经营'), ('property_management', '物业管理'), ('leasing_business', '租赁和商务服务业'), ('other', '其他未列明行业')], max_length=40, verbose_name='行业')),
                    ('size_class', models.CharField(choices=[('large', '大型企业'), ('medium', '中型企业'), ('small', '小型企业')], max_length=10, verbose_name='规模')),
                    ('employees_min', models.PositiveIntegerField(blank=True, null=True, verbose_name='从业人员下限（人，含）')),
                    ('revenue_min', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='营业收入下限（元，含）')),
                    ('total_assets_min', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='资产总额下限（元，含）')),
                    ('effective_from', models.DateField(verbose_name='施行日期')),
                    ('source', models.CharField(default='工信部联企业〔2011〕300号', max_length=200, verbose_name='依据')),
                ],
                options={
                    'verbose_name': '企业划型标准',
                    'verbose_name_plural': '企业划型标准',
                    'db_table': 'vouchers_sizethreshold',
                    'ordering': ['industry', '-effective_from', 'size_class'],
                    'constraints': [models.UniqueConstraint(fields=('industry', 'size_class', 'effective_from'), name='size_threshold_unique_version'), models.CheckConstraint(condition=models.Q(('employees_min__isnull', False), ('revenue_min__isnull', False), ('total_assets_min__isnull', False), _connector='OR'), name='size_threshold_has_a_minimum')],
                },
            ),
            migrations.AddIndex(
                model_name='registrationapplication',
                index=models.Index(fields=['state', 'year'], name='registration_state_year_idx'),
            ),
            migrations.AddConstraint(
                model_name='registrationapplication',
                constraint=models.UniqueConstraint(condition=models.Q(('state', 'rejected'), _negated=True), fields=('credit_code', 'year'), name='registration_one_per_code_and_year'),
            ),
            migrations.AddConstraint(
                model_name='qualification',
                constraint=models.UniqueConstraint(fields=('organisation', 'year'), name='qualification_one_per_year'),
            ),
            migrations.AddConstraint(
                model_name='qualification',
                constraint=models.CheckConstraint(condition=models.Q(('used__gte', 0), ('used__lte', models.F('quota'))), name='qualification_used_within_quota'),
            ),
            migrations.AddConstraint(
                model_name='qualification',
                constraint=models.CheckConstraint(condition=models.Q(('reserved__gte', 0), ('reserved__lte', django.db.models.expressions.CombinedExpression(models.F('quota'), '-', models.F('used')))), name='qualification_reserved_within_headroom'),
            ),
        ]),
    ]
