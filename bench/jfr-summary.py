#!/usr/bin/env python3
# Summarises a JFR recording of the all-in-one: CPU by thread and by OrderFlow frame, callers of String.format,
# logback and regex, the saga thread, and where socket reads (PostgreSQL answers) and monitor waits spent time.
import json, sys, collections, re, subprocess
import os
# A JDK 21+ jfr (its print --json reads JDK 17 recordings): JFR=/path/to/jdk/bin/jfr python3 bench/jfr-summary.py rec.jfr
J=os.environ.get('JFR', 'jfr')
f=sys.argv[1]
def events(kind, depth=48):
    out=subprocess.run([J,'print','--json','--stack-depth',str(depth),'--events',kind,f],capture_output=True,text=True).stdout
    return json.loads(out)['recording']['events']
def frames(e):
    st=e['values'].get('stackTrace')
    if not st: return []
    return [fr['method']['type']['name'].replace('/','.')+'.'+fr['method']['name'] for fr in st['frames']]
def tname(e, key):
    t=e['values'].get(key) or {}
    n=t.get('javaName') or t.get('osName') or '?'
    n=re.sub(r'[0-9a-f]{8}-[0-9a-f-]{27}','<id>',n); n=re.sub(r'-\d+$','-N',n); n=re.sub(r'http-\d+','http-N',n)
    return n
def dur(e):
    d=e['values'].get('duration','PT0S')
    m=re.match(r'PT(?:(\d+)M)?([\d.]+)S',d)
    return (int(m.group(1) or 0)*60+float(m.group(2))) if m else 0
def first_own(fs):
    for x in fs:
        if x.startswith('io.orderflow') and '$$Lambda' not in x and 'lambda$' not in x: return x
    return None
samples=events('jdk.ExecutionSample')
n=len(samples)
print(f'## CPU samples: {n}\n')
byt=collections.Counter(tname(e,'sampledThread') for e in samples)
print('### by thread\n'); [print(f'- {c/n:5.1%}  {t}') for t,c in byt.most_common(18)]
own=collections.Counter(first_own(frames(e)) for e in samples)
print('\n### by innermost io.orderflow frame (None = no OrderFlow code on the stack)\n'); [print(f'- {c/n:5.1%}  {t}') for t,c in own.most_common(18)]
pk=collections.Counter()
for e in samples:
    fs=frames(e)
    if fs: pk['.'.join(fs[0].split('.')[:3])]+=1
print('\n### by package of the top frame\n'); [print(f'- {c/n:5.1%}  {t}') for t,c in pk.most_common(15)]
incl=collections.Counter()
for e in samples:
    seen=set()
    for x in frames(e):
        if x not in seen and (x.startswith('io.orderflow') or 'logback' in x or 'regex' in x or 'String.format' in x or 'Avro' in x or 'avro' in x):
            seen.add(x); incl[x]+=1
for target in ['java.lang.String.format','ch.qos.logback.classic.Logger.buildLoggingEventAndAppend','java.util.regex.Matcher.reset']:
    c=collections.Counter()
    for e in samples:
        fs=frames(e)
        if any(x.endswith(target.split('.')[-2]+'.'+target.split('.')[-1]) for x in fs): c[first_own(fs)]+=1
    print(f'\n### who calls {target}\n'); [print(f'- {v/n:5.1%}  {t}') for t,v in c.most_common(8)]
st=collections.Counter()
for e in samples:
    if 'StreamThread' in tname(e,'sampledThread'):
        fs=frames(e)
        key=next((x for x in fs if x.startswith('org.apache.kafka.streams') or x.startswith('io.orderflow')), fs[0] if fs else None)
        st[key]+=1
print('\n### saga stream thread, innermost streams/orderflow frame\n'); [print(f'- {v/n:5.1%}  {t}') for t,v in st.most_common(15)]
print('\n### inclusive (anywhere on the stack), selected frames\n'); [print(f'- {c/n:5.1%}  {t}') for t,c in incl.most_common(30)]
for kind in ['jdk.SocketRead','jdk.JavaMonitorEnter']:
    ev=events(kind)
    tot=sum(dur(e) for e in ev)
    print(f'\n## {kind}: {len(ev)} events, {tot:.0f} s in all (events over the threshold only)\n')
    c=collections.Counter(); 
    for e in ev: c[(tname(e,'eventThread'), first_own(frames(e)))]+=dur(e)
    [print(f'- {v:7.1f} s  {t} @ {o}') for (t,o),v in c.most_common(15)]
