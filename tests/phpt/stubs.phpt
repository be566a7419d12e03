--TEST--
php/wpcrm-stubs.php matches the loaded extension: functions, classes, constants (CI fails on drift)
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
$root = getenv('WPCRM_ROOT') ?: __DIR__ . '/../..';
$stub = file_get_contents("$root/php/wpcrm-stubs.php");
$ext = new ReflectionExtension('wpcrm');

// What the extension says, rendered the way the stub writes it.
$actual = ['functions' => [], 'classes' => [], 'constants' => []];
foreach ($ext->getFunctions() as $f) {
    $params = [];
    foreach ($f->getParameters() as $p) {
        preg_match('/\[ <\w+> (.*) \]/', (string) $p, $m);
        $params[] = $m[1];
    }
    $actual['functions'][] = sprintf('function %s(%s): %s', $f->getName(), implode(', ', $params), $f->getReturnType());
}
foreach ($ext->getClasses() as $c) {
    $actual['classes'][] = sprintf('class %s extends %s%s%s', $c->getName(), $c->getParentClass()->getName(),
        $c->isFinal() ? ' final' : '', count(array_filter($c->getMethods(), fn ($m) => $m->class === $c->getName())) ? ' +methods' : '');
}
foreach ($ext->getConstants() as $name => $value) {
    $actual['constants'][] = "const $name = " . var_export($value, true);
}

// What the stub says.
$declared = ['functions' => [], 'classes' => [], 'constants' => []];
$namespace = '';
foreach (explode("\n", $stub) as $line) {
    if (preg_match('/^namespace\s*([\w\\\\]*)\s*\{/', $line, $m)) {
        $namespace = $m[1];
    } elseif (preg_match('/^\s*function (\w+)\((.*)\): (\S+) \{\}$/', $line, $m)) {
        $declared['functions'][] = "function $m[1]($m[2]): $m[3]";
    } elseif (preg_match('/^\s*(final )?class (\w+) extends ([\w\\\\]+) \{\}$/', $line, $m)) {
        $parent = $m[3][0] === '\\' ? substr($m[3], 1) : ltrim("$namespace\\$m[3]", '\\');
        $declared['classes'][] = sprintf('class %s extends %s%s', ltrim("$namespace\\$m[2]", '\\'), $parent, $m[1] ? ' final' : '');
    } elseif (preg_match('/^\s*const (\w+) = (.+);$/', $line, $m)) {
        $declared['constants'][] = "const $m[1] = $m[2]";
    }
}

$drift = false;
foreach ($actual as $kind => $items) {
    sort($items);
    sort($declared[$kind]);
    foreach (array_diff($items, $declared[$kind]) as $missing) {
        echo "missing from the stub: $missing\n";
        $drift = true;
    }
    foreach (array_diff($declared[$kind], $items) as $extra) {
        echo "in the stub but not in the extension: $extra\n";
        $drift = true;
    }
    printf("%s: %d\n", $kind, count($items));
}
var_dump($drift);
$ini = array_keys($ext->getINIEntries());
sort($ini);
echo implode(' ', $ini), "\n";
?>
--EXPECT--
functions: 3
classes: 3
constants: 6
bool(false)
wpcrm.admin_client_id wpcrm.ca_file wpcrm.proxy wpcrm.sandbox_url wpcrm.timeout
