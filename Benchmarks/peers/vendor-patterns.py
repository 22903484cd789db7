#!/usr/bin/env python3
"""Pattern sets for the side-by-side matcher benchmark, in the peers' format.

vendor: vendor-style literals (company, product, driver and file names from the vendor research),
        each as plain text, as i:TEXT and as UTF-16LE hex; a few hundred lines, few hits.
small:  32 of those names as plain literals.
usage: vendor-patterns.py vendor|small
"""
import sys

NAMES = [
    'Kaspersky',
    'AO Kaspersky Lab',
    'Kaspersky Lab ZAO',
    'Kaspersky Anti-Virus',
    'Kaspersky Endpoint Security',
    'Kaspersky Security Center',
    'Kaspersky Total Security',
    'Kaspersky Internet Security',
    'Kaspersky Anti-Virus Personal Root Certificate',
    'Kaspersky Threat Intelligence',
    'Kaspersky Security Network',
    'kaspersky-labs.com',
    'klif.sys',
    'klhk.sys',
    'klboot.sys',
    'klfdefsf.sys',
    'klrsps.sys',
    'klsnsr.sys',
    'klifks.sys',
    'klifaa.sys',
    'Klifsm.sys',
    'klam.sys',
    'klbg.sys',
    'kldback.sys',
    'kldlinf.sys',
    'kldtool.sys',
    'Klcdp.sys',
    'Klshadow.sys',
    'Klsysrec.sys',
    'klvfs.sys',
    'Klfle.sys',
    'Klvirt.sys',
    'Klbackupflt.sys',
    'Klsec.sys',
    'klim6.sys',
    'klwtp.sys',
    'klflt.sys',
    'klgse.sys',
    'klpd.sys',
    'kldisk.sys',
    'avpui.exe',
    'kavfs.exe',
    'kavfswp.exe',
    'kavtray.exe',
    'klnagent.exe',
    'klnagent64',
    'kladminserver',
    'klwebsrv',
    'klactprx',
    'ksnproxy',
    'kescli.exe',
    'setup_kes.exe',
    'kavremover',
    'klScanEngineUI',
    'kavehost.exe',
    'kavhttpd',
    'kesl-control',
    'kesl-supervisor',
    '/opt/kaspersky/kesl',
    '/var/opt/kaspersky',
    '/etc/opt/kaspersky',
    'klnagchk',
    'klmover',
    'ksc-web-console',
    'kav4fs-control',
    'com.kaspersky.kav',
    'com.kaspersky.kes',
    'com.kms.free',
    'com.kaspersky.safekids',
    'com.kaspersky.secure.connection',
    '2Y8XE5CQ94',
    '1027739867473',
    'Huawei Technologies Co., Ltd.',
    'HiSuite.exe',
    'PCManager.exe',
    'MateBookService.exe',
    'HwDistributedMainService',
    'HwPCCoreService',
    'ewusbnet.sys',
    'hwdatacard.sys',
    'com.huawei.hwid',
    'com.huawei.appmarket',
    'ZTE Corporation',
    'ZTEUSBMassStorageFilter',
    'zteusbserial',
    'zteusbdiag.inf',
    'Hangzhou Hikvision Digital Technology',
    'HCNetSDK.dll',
    'PlayCtrl.dll',
    'libhcnetsdk.so',
    'NET_DVR_Init',
    'NET_DVR_SetLogToFile',
    'iVMS-4200',
    'SADPTool.exe',
    'HCWebSDKPlugin',
    'com.connect.enduser',
    'Zhejiang Dahua Technology',
    'dhnetsdk.dll',
    'dhconfigsdk.dll',
    'libdhnetsdk.so',
    'CLIENT_RealPlayEx',
    'Smart Professional Surveillance System',
    'SmartPSS.exe',
    'com.mm.android.direct.gdmss',
    'Hytera Communications',
]


def main():
    kind = sys.argv[1] if len(sys.argv) > 1 else "vendor"
    if kind == "vendor":
        for name in NAMES:
            print(name)
            print("i:" + name)
            print("hex:" + name.encode("utf-16-le").hex())
    elif kind == "small":
        for name in [n for n in NAMES if len(n) >= 8][:32]:
            print(name)
    else:
        sys.exit("usage: vendor-patterns.py vendor|small")


main()
