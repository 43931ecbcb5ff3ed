// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.4.24;

/// @title VaultFixed
/// @notice Ether deposits withdrawable by their owner. `withdraw` follows
///         checks-effects-interactions: the balance is cleared before the call.
contract VaultFixed {
    mapping(address => uint256) public balances;

    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);

    function deposit() public payable {
        uint256 updated = balances[msg.sender] + msg.value;
        require(updated >= msg.value, "overflow");
        balances[msg.sender] = updated;
        emit Deposited(msg.sender, msg.value);
    }

    function withdraw() public {
        uint256 amount = balances[msg.sender];
        require(amount > 0, "nothing to withdraw");
        balances[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        require(msg.sender.call.value(amount)(), "transfer failed");
    }
}
